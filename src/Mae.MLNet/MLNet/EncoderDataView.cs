using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Mae.MLNet;

/// <summary>
/// The output of <see cref="MutualAutoencoderTransformer.Transform"/>: the input columns, then the code columns,
/// computed by ONNX Runtime in batches rather than row by row.
/// </summary>
/// <remarks>
/// A cursor runs two cursors over the input in the same order: one that the caller's position follows (for the
/// columns passed through), and one that reads the input column ahead in batches of up to <see cref="MaxBatchRows"/>
/// rows and encodes them in one call. Batches start small and double, so a caller that reads a few rows pays for few.
/// Both cursors must see the same rows in the same order, so the input must give the same rows each time it is read
/// (true of loaders, in-memory and cached views; not of a one-shot enumerable). A shuffling cursor is asked of the
/// input twice with the same seed. The cursor compares the two cursors' row ids at every row it encodes, and throws
/// when they differ or when the read-ahead cursor runs out first, rather than attach codes to the wrong rows.
/// </remarks>
internal sealed class EncoderDataView : IDataView
{
    internal const int MaxBatchRows = 1024;
    private const int FirstBatchRows = 16;

    private const string RepeatableInput =
        "The Mutual Autoencoder transform reads its input twice, once ahead in batches for the encoder, so the input must give the same rows " +
        "each time it is read. Cache the data first: mlContext.Data.Cache(data), or AppendCacheCheckpoint(mlContext) before this step in a pipeline.";

    private readonly IDataView input;
    private readonly EncoderSession session;

    public EncoderDataView(IDataView input, DataViewSchema schema, EncoderSession session)
    {
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
        var passThrough = new List<DataViewSchema.Column>();
        int outputCount = session.OutputCount;
        var outputActive = new bool[outputCount];
        foreach (var column in columnsNeeded)
        {
            if (column.Index < inputCount)
                passThrough.Add(input.Schema[column.Index]);
            else
                outputActive[column.Index - inputCount] = true;
        }
        // Both cursors shuffle, when asked, with the same seed, so that they see the rows in the same order.
        int? seed = rand is not null && input.CanShuffle ? rand.Next() : null;
        var main = input.GetRowCursor(passThrough, seed is int s ? new Random(s) : null);
        try
        {
            var ahead = outputActive.Any(a => a) ? input.GetRowCursor([input.Schema[session.Column.Name]], seed is int t ? new Random(t) : null) : null;
            return new Cursor(this, main, ahead, outputActive);
        }
        catch
        {
            main.Dispose();
            throw;
        }
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly EncoderDataView parent;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? ahead;
        private readonly bool[] outputActive;
        private readonly Func<int, int> readAhead;
        private readonly float[] inputBatch;
        private readonly uint[] keyBatch;
        private readonly float[][] outputs;
        private readonly DataViewRowId[] aheadIds;
        private readonly ValueGetter<DataViewRowId>? mainId;
        private int batchRows, batchIndex = -1, nextBatchRows = FirstBatchRows;

        public Cursor(EncoderDataView parent, DataViewRowCursor main, DataViewRowCursor? ahead, bool[] outputActive)
        {
            this.parent = parent;
            this.main = main;
            this.ahead = ahead;
            this.outputActive = outputActive;
            var column = parent.session.Column;
            bool key = column.Kind == InputColumnKind.Key;
            inputBatch = ahead is null || key ? [] : new float[MaxBatchRows * column.Width];
            keyBatch = ahead is null || !key ? [] : new uint[MaxBatchRows];
            outputs = outputActive.Select(_ => ahead is null ? [] : new float[MaxBatchRows * parent.session.LatentDimension]).ToArray();
            aheadIds = ahead is null ? [] : new DataViewRowId[MaxBatchRows];
            mainId = ahead is null ? null : main.GetIdGetter();
            readAhead = ahead is null ? _ => 0 : MakeReadAhead(ahead, column);
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
                batchRows = readAhead(nextBatchRows);
                nextBatchRows = Math.Min(2 * nextBatchRows, MaxBatchRows);
                if (batchRows == 0)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"The input data view returned more rows on one read than on another: the read that follows the caller reached row {main.Position}, the read ahead for the encoder ended before it. {RepeatableInput}"));
                }
                parent.session.Run(inputBatch, keyBatch, batchRows, outputs);
                batchIndex = 0;
            }
            ThrowIfAnotherRow();
            return true;
        }

        /// <summary>Checks that the row the caller is on is the row the read-ahead cursor encoded for it.</summary>
        private void ThrowIfAnotherRow()
        {
            DataViewRowId id = default;
            mainId!(ref id);
            if (!id.Equals(aheadIds[batchIndex]))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The input data view returned different rows on two reads of the same position: row {main.Position} has id {id} on the read that follows the caller and id {aheadIds[batchIndex]} on the read ahead for the encoder. {RepeatableInput}"));
            }
        }

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int inputCount = parent.input.Schema.Count;
            return column.Index < inputCount ? main.IsColumnActive(parent.input.Schema[column.Index]) : outputActive[column.Index - inputCount];
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = parent.input.Schema.Count;
            if (column.Index < inputCount)
                return main.GetGetter<TValue>(parent.input.Schema[column.Index]);
            int output = column.Index - inputCount;
            if (!outputActive[output])
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; ask for it when creating the cursor.");
            if (typeof(TValue) != typeof(VBuffer<float>))
                throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} cannot read it. Use VBuffer<Single>.");
            int width = parent.session.LatentDimension;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                if (batchIndex < 0 || batchIndex >= batchRows)
                    throw new InvalidOperationException("The cursor is not on a row; call MoveNext first, and read only while it returns true.");
                var editor = VBufferEditor.Create(ref value, width);
                outputs[output].AsSpan(batchIndex * width, width).CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
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

        /// <summary>A function that reads up to the given number of rows of the input column and returns how many it read.</summary>
        private Func<int, int> MakeReadAhead(DataViewRowCursor cursor, InputColumn column)
        {
            var id = cursor.GetIdGetter();
            if (column.Kind == InputColumnKind.Key)
            {
                var getter = column.MakeKeyReader(cursor);
                return rows =>
                {
                    int read = 0;
                    for (; read < rows && cursor.MoveNext(); read++)
                    {
                        id(ref aheadIds[read]);
                        getter(ref keyBatch[read]);
                    }
                    return read;
                };
            }
            var readValues = column.MakeValueReader(cursor);
            int width = column.Width;
            return rows =>
            {
                int read = 0;
                for (; read < rows && cursor.MoveNext(); read++)
                {
                    id(ref aheadIds[read]);
                    readValues(inputBatch.AsSpan(read * width, width));
                }
                return read;
            };
        }
    }
}

/// <summary>An ONNX Runtime session over the exported encoder, shared by every cursor of a transformer (runs are thread-safe).</summary>
internal sealed class EncoderSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private bool disposed;

    public EncoderSession(byte[] model, InputColumn column, int latentDimension, IReadOnlyList<string> outputNames)
    {
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        session = new InferenceSession(model, sessionOptions);
        Column = column;
        LatentDimension = latentDimension;
        inputNames = [column.Name];
        this.outputNames = [.. outputNames];
    }

    public InputColumn Column { get; }

    public int LatentDimension { get; }

    /// <summary>Number of code columns (the mean, and the log-variance when asked for).</summary>
    public int OutputCount => outputNames.Length;

    /// <summary>Encodes <paramref name="rows"/> rows and copies each output into the matching array (empty arrays are skipped).</summary>
    public void Run(float[] values, uint[] keys, int rows, float[][] outputs)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        long[] shape = [rows, Column.Width];
        using var inputValue = Column.Kind == InputColumnKind.Key
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, keys.AsMemory(0, rows), shape)
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values.AsMemory(0, rows * Column.Width), shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, inputNames, [inputValue], outputNames);
        int count = rows * LatentDimension;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i].Length > 0)
                results[i].GetTensorDataAsSpan<float>()[..count].CopyTo(outputs[i]);
        }
    }

    /// <summary>Releases the session; cursors still open must not be used after this.</summary>
    public void Dispose()
    {
        disposed = true;
        session.Dispose();
    }
}
