using System.Globalization;
using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// The decoder of a table: a list of <see cref="ColumnBlock"/>s, each of its own kind, that share one trunk on z and one head
/// whose outputs are cut into the blocks' parameters. A row holds the blocks' values one after the other, NaN for a missing cell.
/// Following HI-VAE (Nazabal et al., 2020): the ELBO's reconstruction counts observed cells only, the encoder and r see every
/// block's network input (0 where missing) followed by the observed-cell mask, and the information bound's draws are whole rows,
/// with reparameterised gradients through the continuous cells and the score function (leave-one-out baseline over two draws per
/// z) through the discrete ones.
/// </summary>
/// <remarks>
/// Adjacent columns of one kind are computed as one block (<see cref="ColumnBlock.Join"/>): the same distributions, in fewer and
/// wider tensor operations. The head keeps one slice per column, in column order, so that the weights and the ONNX description
/// do not depend on the joining; a joined block whose kind has several head groups (real, positive, count) gathers its head
/// outputs with one index, the others (binary, categorical) read their columns' slices as one.
/// The decoder has one likelihood per column rather than one family: <see cref="Family"/>, <see cref="Parameters"/> and
/// <see cref="Describe"/> (the ONNX description) throw <see cref="NotSupportedException"/>.
/// </remarks>
internal sealed class TabularDecoder : FactorizedDecoder
{
    private readonly ColumnBlock[] blocks;
    private readonly int[] valueOffsets;
    private readonly int[] headOffsets;
    private readonly Run[] runs;

    /// <summary>
    /// A block that training and scoring compute: one column, or adjacent columns of one kind joined. Its values start at
    /// <paramref name="ValueOffset"/> of a row; its head outputs are the block's head width from <paramref name="HeadOffset"/>
    /// of a condition when <paramref name="HeadIndex"/> is null, and otherwise the condition's outputs at those indices.
    /// </summary>
    private sealed record Run(ColumnBlock Block, int ValueOffset, int HeadOffset, Tensor? HeadIndex);

    public TabularDecoder(int latentDimension, IReadOnlyList<int> hiddenSizes, HiddenActivation activation, IReadOnlyList<ColumnBlock> blocks)
        : base(new DecoderShape(TotalWidth(blocks), latentDimension, hiddenSizes, activation))
    {
        this.blocks = [.. blocks];
        valueOffsets = Offsets(this.blocks, b => b.ValueWidth);
        headOffsets = Offsets(this.blocks, b => b.HeadWidth);
        var names = this.blocks.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
        if (names is not null)
            throw new ArgumentException($"Two columns are named '{names.Key}'; every column of a table needs its own name.", nameof(blocks));
        runs = JoinAdjacent(this.blocks, valueOffsets, headOffsets);
    }

    public IReadOnlyList<ColumnBlock> Blocks => blocks;

    public override DecoderFamily Family =>
        throw new NotSupportedException("A table's decoder has one likelihood per column, not one decoder family.");

    public override int OutputSize => headOffsets[^1];

    /// <summary>Every block's network input, then one mask value per cell.</summary>
    public override int EncoderInputSize => blocks.Sum(b => b.InputWidth) + Shape.FeatureCount;

    public override int DrawnFeatures => Shape.FeatureCount;

    public override Tensor ToNetworkInput(Tensor rows)
    {
        var observed = Cells.Observed(rows);
        var parts = new List<Tensor>(runs.Length + 1);
        foreach (var run in runs)
            parts.Add(run.Block.NetworkInput(Values(rows, run), Values(observed, run)));
        parts.Add(observed);
        return cat(parts, 1);
    }

    public override Tensor LogLikelihood(Tensor condition, Tensor rows) =>
        SumOverBlocks(condition, rows, (block, head, values, observed) => block.LogLikelihood(head, values, observed));

    public override Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows) =>
        SumOverBlocks(condition, rows, (block, head, values, observed) => block.PairwiseLogLikelihood(head, values, observed));

    /// <summary>The sum over blocks of a per-block term of its head outputs, values and observed mask.</summary>
    private Tensor SumOverBlocks(Tensor condition, Tensor rows, Func<ColumnBlock, Tensor, Tensor, Tensor, Tensor> term)
    {
        var observed = Cells.Observed(rows);
        Tensor? sum = null;
        foreach (var run in runs)
        {
            var part = term(run.Block, Head(condition, run), Values(rows, run), Values(observed, run));
            sum = sum is null ? part : sum.Plus(part);
        }
        return sum!;
    }

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        // Two whole-row draws per z: the discrete cells' score function needs a baseline, the other draw's reward.
        var doubled = cat([condition, condition], 0);
        var parts = new List<Tensor>(runs.Length + 1);
        Tensor? logProbability = null;
        bool anyReparameterised = false;
        foreach (var run in runs)
        {
            var draw = run.Block.Draw(Head(doubled, run), generator);
            parts.Add(draw.NetworkInput);
            anyReparameterised |= run.Block.Reparameterised;
            if (draw.LogProbability is Tensor logP)
                logProbability = logProbability is null ? logP : logProbability.Plus(logP);
        }
        parts.Add(ones(doubled.shape[0], Shape.FeatureCount));   // a draw has every cell
        var input = cat(parts, 1);

        var detached = input.detach().requires_grad_(is_grad_enabled() && anyReparameterised);
        var logR = GaussianNetwork.LogDensity(cat([z, z], 0), auxiliary.forward(detached));
        var auxiliaryObjective = logR.mean();
        if (!is_grad_enabled())
            return new InformationTerms(auxiliaryObjective, auxiliaryObjective);

        // Through the continuous cells only (the discrete cells' inputs carry no gradient), plus the discrete cells' score function.
        Tensor? carrier = anyReparameterised ? ReparameterisedCarrier(auxiliaryObjective, detached, input) : null;
        if (logProbability is not null)
        {
            var score = LeaveOneOutScore(logR, logProbability);
            carrier = carrier is null ? score : carrier.Plus(score);
        }
        return new InformationTerms(WithGradientOf(auxiliaryObjective, carrier!), auxiliaryObjective);
    }

    /// <summary>The value each block predicts for every cell, [N, F], from conditions [N, C] (see <see cref="ColumnBlock.Predict"/>).</summary>
    public Tensor Predict(Tensor condition) => cat(runs.Select(run => run.Block.Predict(Head(condition, run))).ToList(), 1);

    /// <summary>
    /// The value each block predicts for every cell, [N, F], from its <see cref="ColumnBlock.Summary"/> averaged over
    /// <paramref name="draws"/> codes per row: conditions [K·N, C], draw k of row n at k·N + n.
    /// </summary>
    public Tensor PredictAveraged(Tensor conditions, int draws) => PredictOverDraws(conditions, draws, summaries => summaries.mean([0]));

    /// <summary>
    /// As <see cref="PredictAveraged"/>, with the draws of each row weighted: <paramref name="weights"/> [K, N], each column summing to 1.
    /// </summary>
    public Tensor PredictWeighted(Tensor conditions, Tensor weights)
    {
        var perDraw = weights.unsqueeze(2);
        return PredictOverDraws(conditions, weights.shape[0], summaries => (summaries * perDraw).sum([0]));
    }

    /// <summary>Each block's decision on its summaries [K, N, S] of <paramref name="draws"/> codes per row, combined over the draws by <paramref name="combine"/>.</summary>
    private Tensor PredictOverDraws(Tensor conditions, long draws, Func<Tensor, Tensor> combine) =>
        cat(runs.Select(run => run.Block.Decide(combine(run.Block.Summary(Head(conditions, run)).view(draws, -1, run.Block.SummaryWidth)))).ToList(), 1);

    public override DecoderOutput Parameters(Tensor z) =>
        throw new NotSupportedException("A table's decoder has one distribution per column; read the predicted cells instead.");

    public override DecoderDescription Describe() =>
        throw new NotSupportedException("A table's decoder has one likelihood per column, not one decoder family: export the whole table model (its imputed columns hold the decoder's predictions).");

    /// <summary>The table model's ONNX description around <paramref name="encoder"/>, each column read as the element type at its index in <paramref name="types"/>.</summary>
    public TableDescription DescribeTable(EncoderDescription encoder, IReadOnlyList<TableColumnType> types)
    {
        if (types.Count != blocks.Length)
            throw new ArgumentException($"The table has {blocks.Length} columns; {types.Count} input types were given.", nameof(types));
        return new TableDescription(blocks.Select((block, b) => block.Describe(types[b])), encoder, HiddenLayers(), HeadLayers(1)[0]);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for the first observed value that breaks its column's rule (naming the row, the column
    /// and the value), and for a row whose cells are all missing. NaN is a missing cell, which the model handles.
    /// </summary>
    public override void ThrowIfInvalid(ReadOnlySpan<float> rows, int featureCount, Func<int, string> describeRow, string parameterName)
    {
        int rowCount = rows.Length / featureCount;
        for (int r = 0; r < rowCount; r++)
        {
            var row = rows.Slice(r * featureCount, featureCount);
            bool anyObserved = false;
            for (int b = 0; b < blocks.Length; b++)
            {
                var block = blocks[b];
                for (int c = 0; c < block.ValueWidth; c++)
                {
                    float value = row[valueOffsets[b] + c];
                    if (float.IsNaN(value))
                        continue;
                    anyObserved = true;
                    if (!block.IsValid(value))
                        throw new ArgumentException(block.DescribeInvalid(describeRow(r), c, value), parameterName);
                }
            }
            if (!anyObserved)
            {
                throw new ArgumentException(
                    $"{describeRow(r)}: every cell is missing ({string.Join(", ", blocks.Select(b => $"'{b.Name}'"))}); a row needs at least one observed cell.",
                    parameterName);
            }
        }
    }

    private static Tensor Values(Tensor rows, Run run) => rows.narrow(1, run.ValueOffset, run.Block.ValueWidth);

    private static Tensor Head(Tensor condition, Run run) =>
        run.HeadIndex is null ? condition.narrow(1, run.HeadOffset, run.Block.HeadWidth) : condition.index_select(1, run.HeadIndex);

    /// <summary>
    /// The runs of the table: each maximal sequence of adjacent columns that <see cref="ColumnBlock.Join"/> accepts becomes one block,
    /// whose head gathers, group by group, every column's slice of that group in column order.
    /// </summary>
    private static Run[] JoinAdjacent(ColumnBlock[] blocks, int[] valueOffsets, int[] headOffsets)
    {
        var runs = new List<Run>();
        for (int first = 0, last; first < blocks.Length; first = last + 1)
        {
            var joined = blocks[first];
            last = first;
            while (last + 1 < blocks.Length && joined.Join(blocks[last + 1]) is ColumnBlock next)
            {
                joined = next;
                last++;
            }
            Tensor? index = null;
            if (last > first && joined.HeadGroups > 1)
            {
                var positions = new List<long>(joined.HeadWidth);
                for (int group = 0; group < joined.HeadGroups; group++)
                {
                    for (int b = first; b <= last; b++)
                    {
                        for (int slot = 0; slot < blocks[b].ValueWidth; slot++)
                            positions.Add(headOffsets[b] + group * blocks[b].ValueWidth + slot);
                    }
                }
                index = tensor(positions.ToArray()).DetachFromDisposeScope();
            }
            runs.Add(new Run(joined, valueOffsets[first], headOffsets[first], index));
        }
        return [.. runs];
    }

    /// <summary>Blocks computed per step: one per run of adjacent columns of one kind (see <see cref="ColumnBlock.Join"/>).</summary>
    public int ComputedBlocks => runs.Length;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var run in runs)
                run.HeadIndex?.Dispose();
        }
        base.Dispose(disposing);
    }

    private static int TotalWidth(IReadOnlyList<ColumnBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0)
            throw new ArgumentException("A table needs at least one column.", nameof(blocks));
        return blocks.Sum(b => b.ValueWidth);
    }

    /// <summary>Start of each block in a sequence of blocks of the given widths, and the total at the end.</summary>
    private static int[] Offsets(ColumnBlock[] blocks, Func<ColumnBlock, int> width)
    {
        var offsets = new int[blocks.Length + 1];
        for (int b = 0; b < blocks.Length; b++)
            offsets[b + 1] = offsets[b] + width(blocks[b]);
        return offsets;
    }

    /// <summary>Where a column's values start in a row, for messages and for readers of whole rows.</summary>
    public int ValueOffset(int block) => valueOffsets[block];

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"table of {blocks.Length} columns ({string.Join(", ", blocks.Select(b => $"{b.Name}: {b.Kind}"))})");
}
