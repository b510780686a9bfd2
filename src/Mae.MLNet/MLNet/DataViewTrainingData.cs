using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>
/// Training rows streamed from an <see cref="IDataView"/> column through a cursor, shuffled with a bounded buffer:
/// memory holds the buffer and one batch, whatever the number of rows.
/// </summary>
/// <remarks>
/// The shuffle keeps a pool of rows; each incoming row takes the place of a uniformly chosen pooled row, which goes
/// into the batch. Rows further apart than the pool can only move by about its size, so data sorted by class should
/// be shuffled (or given a larger pool) before training.
/// </remarks>
internal sealed class DataViewTrainingData : TrainingData
{
    private readonly IDataView data;
    private readonly IRowSource source;
    private readonly int bufferRows;
    private readonly CancellationToken cancellationToken;
    private readonly HashSet<long>? heldOut; // positions kept out of training
    private long? rowCount;

    public DataViewTrainingData(IDataView data, IRowSource source, int bufferRows, CancellationToken cancellationToken)
        : base(source.Width)
    {
        this.data = data;
        this.source = source;
        this.bufferRows = bufferRows;
        this.cancellationToken = cancellationToken;
    }

    private DataViewTrainingData(DataViewTrainingData source, HashSet<long> heldOut)
        : this(source.data, source.source, source.bufferRows, source.cancellationToken)
    {
        rowCount = source.RowCount;
        this.heldOut = heldOut;
    }

    /// <summary>Rows in the data: the view's own count, or one pass with no active columns.</summary>
    public long RowCount => rowCount ??= CountRows();

    /// <summary>Rows that train: all but the held-out ones.</summary>
    private long TrainingRowCount => RowCount - (heldOut?.Count ?? 0);

    internal override int BatchesPerEpoch(int batchSize) => (int)Math.Min(int.MaxValue, (TrainingRowCount + batchSize - 1) / batchSize);

    /// <summary>Holds out rows at positions drawn uniformly without replacement, read in one pass; training then skips them.</summary>
    internal override EvaluationSplit SplitEvaluation(int wanted, Random random)
    {
        int count = HeldOutCount(wanted, RowCount);
        if (count == 0)
        {
            // Too few rows to spare: the first rows, which also train.
            int lent = (int)Math.Min(wanted, RowCount);
            var (first, firstNumbers) = ReadRows(lent, _ => true);
            return new EvaluationSplit(this, first, lent, false, firstNumbers, source.MessageColumn);
        }
        // Floyd's algorithm: count distinct positions out of RowCount.
        var chosen = new HashSet<long>(count);
        for (long j = RowCount - count; j < RowCount; j++)
        {
            long t = random.NextInt64(j + 1);
            chosen.Add(chosen.Contains(t) ? j : t);
        }
        var (values, rowNumbers) = ReadRows(count, chosen.Contains);
        return new EvaluationSplit(new DataViewTrainingData(this, chosen), values, count, true, rowNumbers, source.MessageColumn);
    }

    /// <summary>Reads the first <paramref name="count"/> rows that <paramref name="include"/> accepts, with their positions; checks each value as training does.</summary>
    internal (float[] Values, long[] RowNumbers) ReadRows(int count, Func<long, bool> include)
    {
        int width = FeatureCount;
        var values = new float[count * width];
        var rowNumbers = new long[count];
        int filled = 0;
        using (var cursor = OpenCursor())
        {
            var read = MakeReader(cursor);
            while (filled < count && cursor.MoveNext())
            {
                if (!include(cursor.Position))
                    continue;
                read(values.AsSpan(filled * width, width));
                rowNumbers[filled++] = cursor.Position;
                if ((filled & 0xFF) == 0)
                    cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (filled != count)
            throw new InvalidOperationException($"{source.Description}: the data gave {filled} rows where {count} were expected; the input must give the same rows on every pass.");
        return (values, rowNumbers);
    }

    /// <summary>
    /// Every row in order, through one cursor, in chunks of up to <paramref name="chunkRows"/> rows: <paramref name="consume"/> gets a buffer
    /// of [rows × width] values (reused between calls) and the number of rows it holds.
    /// </summary>
    internal void ReadAllRows(int chunkRows, Action<float[], int> consume)
    {
        int width = FeatureCount;
        var buffer = new float[chunkRows * width];
        int filled = 0;
        using var cursor = OpenCursor();
        var read = MakeReader(cursor);
        while (cursor.MoveNext())
        {
            read(buffer.AsSpan(filled * width, width));
            if (++filled == chunkRows)
            {
                consume(buffer, filled);
                filled = 0;
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (filled > 0)
            consume(buffer, filled);
    }

    internal override IEnumerable<TrainingBatch> GetBatches(int batchSize, Random random)
    {
        int width = FeatureCount;
        long rows = TrainingRowCount;
        int poolRows = (int)Math.Min(bufferRows, rows);
        var pool = new float[poolRows * width];
        var poolRowNumbers = new long[poolRows];
        int batchRows = (int)Math.Min(batchSize, rows);
        var batch = new float[batchRows * width];
        var batchRowNumbers = new long[batchRows];
        int filled = 0, inBatch = 0;

        using var cursor = OpenCursor();
        var read = MakeReader(cursor);
        while (cursor.MoveNext())
        {
            if (heldOut is not null && heldOut.Contains(cursor.Position))
                continue;
            if (filled < poolRows)
            {
                read(pool.AsSpan(filled * width, width));
                poolRowNumbers[filled++] = cursor.Position;
                continue;
            }

            // The pool is full: a random pooled row goes into the batch and the new row takes its place.
            int slot = random.Next(poolRows);
            pool.AsSpan(slot * width, width).CopyTo(batch.AsSpan(inBatch * width, width));
            batchRowNumbers[inBatch++] = poolRowNumbers[slot];
            read(pool.AsSpan(slot * width, width));
            poolRowNumbers[slot] = cursor.Position;
            if (inBatch == batchRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new TrainingBatch(batch, inBatch, batchRowNumbers, 0, source.MessageColumn);
                inBatch = 0;
            }
        }

        // Drain the pool in random order.
        var order = new int[filled];
        for (int i = 0; i < filled; i++)
            order[i] = i;
        random.Shuffle(order);
        foreach (int slot in order)
        {
            pool.AsSpan(slot * width, width).CopyTo(batch.AsSpan(inBatch * width, width));
            batchRowNumbers[inBatch++] = poolRowNumbers[slot];
            if (inBatch == batchRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new TrainingBatch(batch, inBatch, batchRowNumbers, 0, source.MessageColumn);
                inBatch = 0;
            }
        }
        if (inBatch > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TrainingBatch(batch, inBatch, batchRowNumbers, 0, source.MessageColumn);
        }
    }

    private long CountRows()
    {
        long count = data.GetRowCount() ?? -1;
        if (count < 0)
        {
            count = 0;
            using var cursor = data.GetRowCursor([]);
            while (cursor.MoveNext())
            {
                if ((++count & 0xFFFF) == 0)
                    cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (count == 0)
            throw new ArgumentException($"The training data has no rows; the Mutual Autoencoder needs at least one row in {source.Description}.", "input");
        return count;
    }

    private Action<Span<float>> MakeReader(DataViewRowCursor cursor) => source.MakeTrainingReader(cursor);

    private DataViewRowCursor OpenCursor() => data.GetRowCursor(source.ColumnNames.Select(name => data.Schema[name]));
}
