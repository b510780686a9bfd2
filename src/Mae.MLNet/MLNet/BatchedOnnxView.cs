using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Mae.MLNet;

/// <summary>
/// What ML.NET's ONNX transformer adds to a view (the same schema, the same values), computed by ONNX Runtime in batches of
/// rows instead of one run per row: the in-memory scoring path of every Mae transformer. Save still writes ML.NET's ONNX
/// transformer, which runs the graph's one-row twin.
/// </summary>
/// <remarks>
/// A cursor runs two cursors over the input in the same order: one that the caller's position follows (for the columns passed
/// through), and one that reads the graph's input columns ahead in batches of up to <see cref="MaxBatchRows"/> rows and runs them
/// in one call, for the outputs the caller asked for. Batches start small and double, so a caller that reads a few rows pays for
/// few. Both cursors must see the same rows in the same order, so the input must give the same rows each time it is read (true of
/// loaders, in-memory and cached views; not of a one-shot enumerable). A shuffling cursor is asked of the input twice with the
/// same seed. At every row it scores, the cursor compares the two reads' row ids and the graph's input values (bit for bit, so
/// NaN matches NaN), and throws when they differ or when the read-ahead cursor runs out first, rather than attach outputs to the
/// wrong rows: an enumerable whose row ids are positions and whose values change between reads is caught by its values.
/// </remarks>
internal sealed class BatchedOnnxView : IDataView
{
    internal const int MaxBatchRows = 1024;
    private const int FirstBatchRows = 16;

    private const string RepeatableInput =
        "The Mutual Autoencoder transform reads its input twice, once ahead in batches for the ONNX graph, so the input must give the same rows " +
        "each time it is read. Cache the data first: mlContext.Data.Cache(data), or AppendCacheCheckpoint(mlContext) before this step in a pipeline.";

    private readonly IDataView input;
    private readonly BatchedOnnxSession session;

    /// <param name="input">The view to score.</param>
    /// <param name="schema">The schema ML.NET's ONNX transformer gives <paramref name="input"/>: its columns, then the session's outputs in order.</param>
    /// <param name="session">The graph in the batch layout.</param>
    public BatchedOnnxView(IDataView input, DataViewSchema schema, BatchedOnnxSession session)
    {
        if (schema.Count != input.Schema.Count + session.OutputNames.Count)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The scored schema has {schema.Count} columns; the input's {input.Schema.Count} and the graph's {session.OutputNames.Count} outputs make {input.Schema.Count + session.OutputNames.Count}."));
        }
        for (int i = 0; i < session.OutputNames.Count; i++)
        {
            string name = schema[input.Schema.Count + i].Name;
            if (name != session.OutputNames[i])
                throw new InvalidOperationException($"The scored schema's output {i} is '{name}'; the graph's is '{session.OutputNames[i]}'.");
        }

        this.input = input;
        this.session = session;
        Schema = schema;
    }

    public bool CanShuffle => input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        int inputCount = input.Schema.Count;
        var active = new HashSet<int>();
        var outputActive = new bool[session.OutputNames.Count];
        foreach (var column in columnsNeeded)
        {
            if (column.Index < inputCount)
                active.Add(column.Index);
            else
                outputActive[column.Index - inputCount] = true;
        }
        bool scoring = outputActive.Any(a => a);
        var graphInputs = session.InputNames.Select(name => input.Schema[name]).ToArray();
        if (scoring)
            active.UnionWith(graphInputs.Select(c => c.Index));   // read by both cursors, to check they saw the same values
        // Both cursors shuffle, when asked, with the same seed, so that they see the rows in the same order.
        int? seed = rand is not null && input.CanShuffle ? rand.Next() : null;
        var main = input.GetRowCursor(active.Select(i => input.Schema[i]), seed is int s ? new Random(s) : null);
        DataViewRowCursor? ahead = null;
        try
        {
            ahead = scoring ? input.GetRowCursor(graphInputs, seed is int t ? new Random(t) : null) : null;
            return new Cursor(this, main, ahead, outputActive);
        }
        catch
        {
            main.Dispose();
            ahead?.Dispose();
            throw;
        }
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedOnnxView parent;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? ahead;
        private readonly BatchColumn[] inputs;
        private readonly Action<int>[] readers;
        private readonly Func<int, bool>[] sameValues;
        private readonly BatchColumn?[] outputs;
        private readonly DataViewRowId[] aheadIds;
        private readonly ValueGetter<DataViewRowId>? aheadId;
        private readonly ValueGetter<DataViewRowId>? mainId;
        private int batchRows, batchIndex = -1, nextBatchRows = FirstBatchRows;

        public Cursor(BatchedOnnxView parent, DataViewRowCursor main, DataViewRowCursor? ahead, bool[] outputActive)
        {
            this.parent = parent;
            this.main = main;
            this.ahead = ahead;
            var session = parent.session;
            if (ahead is null)
            {
                inputs = [];
                readers = [];
                sameValues = [];
                outputs = new BatchColumn?[outputActive.Length];
                aheadIds = [];
                return;
            }

            inputs = session.InputNames.Select(name => BatchColumn.ForInput(parent.input.Schema[name])).ToArray();
            readers = inputs.Select((column, i) => column.MakeReader(ahead, parent.input.Schema[session.InputNames[i]])).ToArray();
            sameValues = inputs.Select((column, i) => column.MakeComparer(main, parent.input.Schema[session.InputNames[i]])).ToArray();
            outputs = outputActive.Select((active, i) => active ? session.CreateOutput(i) : null).ToArray();
            aheadIds = new DataViewRowId[MaxBatchRows];
            aheadId = ahead.GetIdGetter();
            mainId = main.GetIdGetter();
        }

        public override long Position => main.Position;

        public override long Batch => main.Batch;

        public override DataViewSchema Schema => parent.Schema;

        public override bool MoveNext()
        {
            if (!main.MoveNext())
            {
                batchIndex = batchRows = 0;
                return false;
            }
            if (ahead is null)
                return true;
            if (++batchIndex >= batchRows)
            {
                batchRows = ReadAhead(nextBatchRows);
                nextBatchRows = Math.Min(2 * nextBatchRows, MaxBatchRows);
                if (batchRows == 0)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"The input data view returned more rows on one read than on another: the read that follows the caller reached row {main.Position}, the read ahead for the ONNX graph ended before it. {RepeatableInput}"));
                }
                parent.session.Run(inputs, batchRows, outputs);
                batchIndex = 0;
            }
            ThrowIfAnotherRow();
            return true;
        }

        /// <summary>Reads up to <paramref name="rows"/> rows of the graph's input columns; returns how many it read.</summary>
        private int ReadAhead(int rows)
        {
            int read = 0;
            for (; read < rows && ahead!.MoveNext(); read++)
            {
                aheadId!(ref aheadIds[read]);
                foreach (var reader in readers)
                    reader(read);
            }
            return read;
        }

        /// <summary>Checks that the row the caller is on is the row the read-ahead cursor scored for it: the same id and the same input values.</summary>
        private void ThrowIfAnotherRow()
        {
            DataViewRowId id = default;
            mainId!(ref id);
            if (!id.Equals(aheadIds[batchIndex]))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The input data view returned different rows on two reads of the same position: row {main.Position} has id {id} on the read that follows the caller and id {aheadIds[batchIndex]} on the read ahead for the ONNX graph. {RepeatableInput}"));
            }
            for (int i = 0; i < sameValues.Length; i++)
            {
                if (!sameValues[i](batchIndex))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"The input data view returned different values on two reads of row {main.Position} (id {id}), in column '{parent.session.InputNames[i]}'. {RepeatableInput}"));
                }
            }
        }

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int inputCount = parent.input.Schema.Count;
            return column.Index < inputCount ? main.IsColumnActive(parent.input.Schema[column.Index]) : outputs[column.Index - inputCount] is not null;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = parent.input.Schema.Count;
            if (column.Index < inputCount)
                return main.GetGetter<TValue>(parent.input.Schema[column.Index]);
            var output = outputs[column.Index - inputCount]
                ?? throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; ask for it when creating the cursor.");
            return output.MakeGetter<TValue>(column, CurrentRow);
        }

        private int CurrentRow()
        {
            if (batchIndex < 0 || batchIndex >= batchRows)
                throw new InvalidOperationException("The cursor is not on a row; call MoveNext first, and read only while it returns true.");
            return batchIndex;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => main.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                main.Dispose();
                ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>One input or output of a graph as a batch of rows: a typed array of <see cref="BatchedOnnxView.MaxBatchRows"/> rows of <see cref="Width"/> values.</summary>
internal abstract class BatchColumn
{
    protected BatchColumn(int width)
    {
        Width = width;
    }

    /// <summary>Values a row.</summary>
    public int Width { get; }

    /// <summary>The batch of an input column of ML.NET type <paramref name="column"/>'s (a scalar or a known-size vector; a key reads its raw value).</summary>
    public static BatchColumn ForInput(DataViewSchema.Column column)
    {
        var type = column.Type;
        int width = type is VectorDataViewType vector ? vector.Size : 1;
        if (width <= 0)
            throw new InvalidOperationException($"Column '{column.Name}' is {type}; the ONNX graph reads known-size vectors.");
        return For((type is VectorDataViewType v ? v.ItemType : type).RawType, width);
    }

    /// <summary>The batch of values of <paramref name="elementType"/>, <paramref name="width"/> a row.</summary>
    public static BatchColumn For(Type elementType, int width) => elementType switch
    {
        _ when elementType == typeof(float) => new BatchColumn<float>(width),
        _ when elementType == typeof(double) => new BatchColumn<double>(width),
        _ when elementType == typeof(bool) => new BatchColumn<bool>(width),
        _ when elementType == typeof(sbyte) => new BatchColumn<sbyte>(width),
        _ when elementType == typeof(byte) => new BatchColumn<byte>(width),
        _ when elementType == typeof(short) => new BatchColumn<short>(width),
        _ when elementType == typeof(ushort) => new BatchColumn<ushort>(width),
        _ when elementType == typeof(int) => new BatchColumn<int>(width),
        _ when elementType == typeof(uint) => new BatchColumn<uint>(width),
        _ when elementType == typeof(long) => new BatchColumn<long>(width),
        _ when elementType == typeof(ulong) => new BatchColumn<ulong>(width),
        _ => throw new NotSupportedException($"The ONNX graph cannot exchange values of {elementType}."),
    };

    /// <summary>A reader that copies the cursor's current value of <paramref name="column"/> into a row of the batch.</summary>
    public abstract Action<int> MakeReader(DataViewRowCursor cursor, DataViewSchema.Column column);

    /// <summary>A comparer of the cursor's current value of <paramref name="column"/> with a row of the batch, bit for bit (NaN matches NaN).</summary>
    public abstract Func<int, bool> MakeComparer(DataViewRowCursor cursor, DataViewSchema.Column column);

    /// <summary>The first <paramref name="rows"/> rows as a tensor [rows, <see cref="Width"/>] over the batch's memory.</summary>
    public abstract OrtValue ToOrtValue(int rows);

    /// <summary>Copies the first <paramref name="rows"/> rows of a graph output into the batch.</summary>
    public abstract void CopyFrom(OrtValue value, int rows);

    /// <summary>A getter of <paramref name="column"/> (a vector of this batch's element type) that reads the row <paramref name="row"/> gives.</summary>
    public abstract ValueGetter<TValue> MakeGetter<TValue>(DataViewSchema.Column column, Func<int> row);
}

/// <inheritdoc cref="BatchColumn"/>
internal sealed class BatchColumn<T>(int width) : BatchColumn(width)
    where T : unmanaged
{
    private readonly T[] values = new T[BatchedOnnxView.MaxBatchRows * width];

    public override Action<int> MakeReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var copy = MakeCopier(cursor, column);
        return row => copy(values, row * Width);
    }

    public override Func<int, bool> MakeComparer(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var copy = MakeCopier(cursor, column);
        var current = new T[Width];
        return row =>
        {
            copy(current, 0);
            return MemoryMarshal.AsBytes(current.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(values.AsSpan(row * Width, Width)));
        };
    }

    /// <summary>A copier of the cursor's current value of <paramref name="column"/> into an array at an offset.</summary>
    private Action<T[], int> MakeCopier(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType)
        {
            var scalar = cursor.GetGetter<T>(column);
            return (destination, offset) => scalar(ref destination[offset]);
        }
        var getter = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        return (destination, offset) =>
        {
            getter(ref buffer);
            if (buffer.Length != Width)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Column '{column.Name}' is declared {column.Type} but a row holds a vector of {buffer.Length} values."));
            }
            buffer.CopyTo(destination.AsSpan(offset, Width));
        };
    }

    public override OrtValue ToOrtValue(int rows) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values.AsMemory(0, rows * Width), [rows, Width]);

    public override void CopyFrom(OrtValue value, int rows) => value.GetTensorDataAsSpan<T>()[..(rows * Width)].CopyTo(values);

    public override ValueGetter<TValue> MakeGetter<TValue>(DataViewSchema.Column column, Func<int> row)
    {
        if (typeof(TValue) != typeof(VBuffer<T>))
            throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} cannot read it. Use VBuffer<{typeof(T).Name}>.");
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> value) =>
        {
            int r = row();
            var editor = VBufferEditor.Create(ref value, Width);
            values.AsSpan(r * Width, Width).CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}

/// <summary>An ONNX Runtime session over a graph in the batch layout, shared by every cursor of a transformer (runs are thread-safe).</summary>
internal sealed class BatchedOnnxSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private bool disposed;

    /// <param name="model">The graph, in the batch layout: every input and output [rows, width].</param>
    /// <param name="inputNames">The graph's inputs, which are the input view's columns of the same names.</param>
    /// <param name="outputNames">The graph's outputs, in the order the scored schema appends them.</param>
    public BatchedOnnxSession(byte[] model, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames)
    {
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        session = new InferenceSession(model, sessionOptions);
        this.inputNames = [.. inputNames];
        this.outputNames = [.. outputNames];
    }

    public IReadOnlyList<string> InputNames => inputNames;

    public IReadOnlyList<string> OutputNames => outputNames;

    /// <summary>A batch for output <paramref name="index"/>, of its element type and width.</summary>
    public BatchColumn CreateOutput(int index)
    {
        var metadata = session.OutputMetadata[outputNames[index]];
        return BatchColumn.For(metadata.ElementType, checked((int)metadata.Dimensions[^1]));
    }

    /// <summary>Runs <paramref name="rows"/> rows of the inputs and copies each output into its batch (outputs left null are not computed).</summary>
    public void Run(BatchColumn[] inputs, int rows, BatchColumn?[] outputs)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var values = new OrtValue[inputs.Length];
        try
        {
            for (int i = 0; i < inputs.Length; i++)
                values[i] = inputs[i].ToOrtValue(rows);
            int[] wanted = [.. Enumerable.Range(0, outputs.Length).Where(o => outputs[o] is not null)];
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputNames, values, [.. wanted.Select(o => outputNames[o])]);
            for (int w = 0; w < wanted.Length; w++)
                outputs[wanted[w]]!.CopyFrom(results[w], rows);
        }
        finally
        {
            foreach (var value in values)
                value?.Dispose();
        }
    }

    /// <summary>Releases the session; cursors still open must not be used after this.</summary>
    public void Dispose()
    {
        disposed = true;
        session.Dispose();
    }
}

/// <summary>
/// A fitted chain that starts with ML.NET's ONNX transformer, and its in-memory scoring: the chain is what Save writes and what
/// row-by-row mapping runs; <see cref="Transform"/> runs the graph's batch-layout twin in <see cref="BatchedOnnxView"/>, followed by
/// the rest of the chain (ML.NET's own row-by-row steps) unchanged. Owns the chain: disposing this disposes it, also when the
/// batched session cannot be created.
/// </summary>
internal sealed class BatchedScorer : IDisposable
{
    private readonly BatchedOnnxSession session;
    private readonly ITransformer onnxStep;
    private readonly ITransformer? rest;

    /// <param name="batchModel">The graph of the chain's ONNX step, in the batch layout, with the same inputs and outputs.</param>
    /// <param name="inputNames">The graph's inputs.</param>
    /// <param name="outputNames">The graph's outputs, in the order the ONNX step adds them.</param>
    /// <param name="chain">The fitted chain: ML.NET's ONNX transformer over the one-row graph, then any of ML.NET's row-to-row steps.</param>
    public BatchedScorer(byte[] batchModel, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames, ITransformer chain)
    {
        Chain = chain;
        try
        {
            ITransformer[] parts = [.. Steps(chain)];
            onnxStep = parts[0];
            rest = parts.Length > 1 ? new TransformerChain<ITransformer>(parts[1..]) : null;
            session = new BatchedOnnxSession(batchModel, inputNames, outputNames);
        }
        catch
        {
            (chain as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>The fitted chain, one run of the graph per row.</summary>
    public ITransformer Chain { get; }

    /// <summary>The chain's steps, nested chains opened.</summary>
    private static IEnumerable<ITransformer> Steps(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> steps ? steps.SelectMany(Steps) : [transformer];

    /// <summary>What the chain gives <paramref name="input"/>, with the graph run in batches.</summary>
    public IDataView Transform(IDataView input)
    {
        var scored = new BatchedOnnxView(input, onnxStep.GetOutputSchema(input.Schema), session);
        return rest is null ? scored : rest.Transform(scored);
    }

    public void Dispose()
    {
        session.Dispose();
        (Chain as IDisposable)?.Dispose();
    }
}
