namespace Mae;

/// <summary>Rows of features that a <see cref="MutualAutoencoderTrainer"/> learns from.</summary>
/// <remarks>
/// Each row has <see cref="FeatureCount"/> values. For <see cref="DecoderFamily.Categorical"/> a row is a single
/// value, the class index in [0, K); for <see cref="DecoderFamily.Bernoulli"/> every value lies in [0, 1].
/// The trainer checks every value it reads and names the offending row.
/// </remarks>
public abstract class TrainingData
{
    private protected TrainingData(int featureCount)
    {
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"The feature count must be positive; got {featureCount}.");
        FeatureCount = featureCount;
    }

    /// <summary>Number of values in each row.</summary>
    public int FeatureCount { get; }

    /// <summary>
    /// Uses rows stored one after another in <paramref name="values"/>: row i is
    /// <c>values[i * featureCount .. (i + 1) * featureCount)</c>. The array is not copied: do not change it while training.
    /// Each epoch visits every row once, in a new random order.
    /// </summary>
    /// <param name="values">The row-major values; the length must be a positive multiple of <paramref name="featureCount"/>.</param>
    /// <param name="featureCount">Values per row.</param>
    public static TrainingData FromArray(float[] values, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new ArrayTrainingData(values, featureCount);
    }

    /// <summary>
    /// Draws fresh rows from a sampler, for data with a known distribution (such as the paper's toy problems).
    /// An epoch is <paramref name="rowsPerEpoch"/> draws.
    /// </summary>
    /// <param name="featureCount">Values per row.</param>
    /// <param name="rowsPerEpoch">Rows drawn per epoch; must be positive.</param>
    /// <param name="sampleRow">Fills one row; it must draw its randomness from the given <see cref="Random"/> so that a seed reproduces the run.</param>
    public static TrainingData FromSampler(int featureCount, int rowsPerEpoch, Action<Random, Span<float>> sampleRow)
    {
        ArgumentNullException.ThrowIfNull(sampleRow);
        return new SampledTrainingData(featureCount, rowsPerEpoch, sampleRow);
    }

    /// <summary>The batches of one epoch. The returned buffer is reused: consume a batch before asking for the next.</summary>
    internal abstract IEnumerable<TrainingBatch> GetBatches(int batchSize, Random random);

    /// <summary>Number of batches in one epoch.</summary>
    internal abstract int BatchesPerEpoch(int batchSize);

    /// <summary>
    /// Keeps up to <paramref name="rows"/> rows out of training for the diagnostics: rows chosen with <paramref name="random"/>,
    /// at most a fifth of a finite data set, and fresh draws from a sampler. The split's <see cref="EvaluationSplit.Training"/>
    /// yields every other row. A data set too small to spare two rows lends its first rows instead, and says so.
    /// </summary>
    internal abstract EvaluationSplit SplitEvaluation(int rows, Random random);

    /// <summary>How many rows a finite data set of <paramref name="rowCount"/> rows can hold out: a fifth, and none below two.</summary>
    private protected static int HeldOutCount(int wanted, long rowCount)
    {
        long spare = Math.Min(wanted, rowCount / 5);
        return spare >= 2 ? (int)spare : 0;
    }
}

/// <summary>
/// The training rows and the evaluation rows of a run. <see cref="HeldOut"/> is false when the data was too small to spare rows
/// and the evaluation rows are training rows. <see cref="RowNumbers"/> names each evaluation row's source row, when it has one.
/// </summary>
internal sealed record EvaluationSplit(TrainingData Training, float[] Rows, int RowCount, bool HeldOut, long[]? RowNumbers, string? Column = null)
{
    public string DescribeRow(int row) => TrainingBatch.Describe(RowNumbers, row, "sampled evaluation row", Column);
}

/// <summary>
/// A batch of rows; <see cref="RowNumbers"/> maps a batch row to its row in the source, when the source has row numbers,
/// and <see cref="Column"/> names the source column, when the rows come from one.
/// </summary>
internal readonly record struct TrainingBatch(float[] Values, int Rows, long[]? RowNumbers, int FirstRow, string? Column = null)
{
    public string DescribeRow(int row) => Describe(RowNumbers, FirstRow + row, "sampled row", Column);

    /// <summary>"row 17" from the source's row numbers, or "sampled row 17" without them, after "column 'X', " when there is a column.</summary>
    public static string Describe(long[]? rowNumbers, int index, string sampled, string? column)
    {
        string position = rowNumbers is null ? $"{sampled} {index}" : $"row {rowNumbers[index]}";
        return column is null ? position : $"column '{column}', {position}";
    }
}

internal sealed class ArrayTrainingData : TrainingData
{
    private readonly float[] values;
    private readonly int rowCount;
    private readonly long[]? rows; // the rows in use, when only some are

    public ArrayTrainingData(float[] values, int featureCount)
        : base(featureCount)
    {
        if (values.Length == 0 || values.Length % featureCount != 0)
            throw new ArgumentException(
                $"The values must hold a positive whole number of rows of {featureCount} features; got {values.Length} values.", nameof(values));
        this.values = values;
        rowCount = values.Length / featureCount;
    }

    private ArrayTrainingData(float[] values, int featureCount, long[] rows)
        : base(featureCount)
    {
        this.values = values;
        this.rows = rows;
        rowCount = rows.Length;
    }

    internal override int BatchesPerEpoch(int batchSize) => (rowCount + batchSize - 1) / batchSize;

    internal override EvaluationSplit SplitEvaluation(int wanted, Random random)
    {
        var order = rows?.ToArray() ?? Enumerable.Range(0, rowCount).Select(i => (long)i).ToArray();
        int width = FeatureCount;
        int heldOut = HeldOutCount(wanted, rowCount);
        if (heldOut == 0)
        {
            // Too few rows to spare: the first rows, which also train.
            int lent = Math.Min(wanted, rowCount);
            return new EvaluationSplit(this, Copy(order.AsSpan(0, lent)), lent, false, order[..lent]);
        }
        random.Shuffle(order);
        var evaluation = order[..heldOut];
        var training = order[heldOut..];
        Array.Sort(training); // the order of the source, so that the training shuffle alone decides the batches
        return new EvaluationSplit(new ArrayTrainingData(values, width, training), Copy(evaluation), heldOut, true, evaluation);

        float[] Copy(ReadOnlySpan<long> chosen)
        {
            var copy = new float[chosen.Length * width];
            for (int r = 0; r < chosen.Length; r++)
                values.AsSpan((int)chosen[r] * width, width).CopyTo(copy.AsSpan(r * width, width));
            return copy;
        }
    }

    internal override IEnumerable<TrainingBatch> GetBatches(int batchSize, Random random)
    {
        var order = rows?.ToArray() ?? new long[rowCount];
        if (rows is null)
        {
            for (int i = 0; i < order.Length; i++)
                order[i] = i;
        }
        random.Shuffle(order);
        int width = FeatureCount;
        var buffer = new float[Math.Min(batchSize, rowCount) * width];
        for (int start = 0; start < rowCount; start += batchSize)
        {
            int rows = Math.Min(batchSize, rowCount - start);
            for (int r = 0; r < rows; r++)
                values.AsSpan((int)order[start + r] * width, width).CopyTo(buffer.AsSpan(r * width, width));
            yield return new TrainingBatch(buffer, rows, order, start);
        }
    }
}

internal sealed class SampledTrainingData : TrainingData
{
    private readonly int rowsPerEpoch;
    private readonly Action<Random, Span<float>> sampleRow;

    public SampledTrainingData(int featureCount, int rowsPerEpoch, Action<Random, Span<float>> sampleRow)
        : base(featureCount)
    {
        if (rowsPerEpoch <= 0)
            throw new ArgumentOutOfRangeException(nameof(rowsPerEpoch), rowsPerEpoch, $"The rows per epoch must be positive; got {rowsPerEpoch}.");
        this.rowsPerEpoch = rowsPerEpoch;
        this.sampleRow = sampleRow;
    }

    internal override int BatchesPerEpoch(int batchSize) => (rowsPerEpoch + batchSize - 1) / batchSize;

    /// <summary>Fresh draws, which training never sees: the sampler's rows are independent.</summary>
    internal override EvaluationSplit SplitEvaluation(int rows, Random random)
    {
        var values = new float[rows * FeatureCount];
        for (int r = 0; r < rows; r++)
            sampleRow(random, values.AsSpan(r * FeatureCount, FeatureCount));
        return new EvaluationSplit(this, values, rows, true, null);
    }

    internal override IEnumerable<TrainingBatch> GetBatches(int batchSize, Random random)
    {
        int width = FeatureCount;
        var buffer = new float[Math.Min(batchSize, rowsPerEpoch) * width];
        for (int start = 0; start < rowsPerEpoch; start += batchSize)
        {
            int rows = Math.Min(batchSize, rowsPerEpoch - start);
            for (int r = 0; r < rows; r++)
                sampleRow(random, buffer.AsSpan(r * width, width));
            yield return new TrainingBatch(buffer, rows, null, start);
        }
    }
}
