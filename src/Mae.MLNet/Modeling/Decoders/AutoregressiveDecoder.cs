using System.Globalization;
using Mae.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>
/// p(x|z) = Π_t p(x_t | x_&lt;t, z) over G ordered groups of <see cref="GroupSize"/> features (a 28×28 image: 28 rows of 28 pixels),
/// the features of a group independent given the state. A GRU over the groups carries the state:
/// <list type="bullet">
/// <item>the trunk on z gives the conditioning features c (the condition tensor), and h₀ = tanh(W·c + b);</item>
/// <item>group t's parameters are head(h_{t−1});</item>
/// <item>h_t = GRU([x_t; c], h_{t−1}): z enters the initial state and every step's input, so the decoder can use it at every row.</item>
/// </list>
/// log p(x|z) is one teacher-forced pass of the GRU over the data; a draw x ~ p(x|z) runs the GRU one group at a time, every
/// draw of the batch at once (G steps, no per-feature loop). Such a decoder can model the data without z, which is the case the
/// Mutual Autoencoder exists for: a VAE with it tends to ignore its code.
/// </summary>
internal abstract class AutoregressiveDecoder : DecoderDistribution
{
    // The field names are the state-dict keys: keep them stable.
    private Sequential? trunk;
    private Linear? initial;
    private GRU? recurrence;
    private Linear? head;

    protected AutoregressiveDecoder(DecoderShape shape, int groupSize, int hiddenSize)
        : base("decoder", shape)
    {
        if (groupSize <= 0 || shape.FeatureCount % groupSize != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"MutualAutoencoderOptions.GroupSize must divide the {shape.FeatureCount} features of a row for the autoregressive decoder; got {groupSize}."),
                nameof(NetworkSettings.GroupSize));
        }
        GroupSize = groupSize;
        Groups = shape.FeatureCount / groupSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Features per group, S.</summary>
    public int GroupSize { get; }

    /// <summary>Number of groups G = F / S, the GRU's steps.</summary>
    public int Groups { get; }

    /// <summary>Width H of the GRU state.</summary>
    public int HiddenSize { get; }

    /// <summary>Distribution parameters per feature (1 for Bernoulli logits, 2 for a Gaussian's mean and log-variance).</summary>
    protected abstract int ParametersPerFeature { get; }

    private int ConditionWidth => Shape.HiddenSizes[^1];

    public override long ValuesPerCode => (long)Groups * (4L * HiddenSize + GroupSize * ParametersPerFeature);

    public override void Build()
    {
        trunk = Trunk.Create(Shape.LatentDimension, Shape.HiddenSizes, Shape.Activation);
        initial = nn.Linear(ConditionWidth, HiddenSize);
        recurrence = nn.GRU(GroupSize + ConditionWidth, HiddenSize, batchFirst: true);
        head = nn.Linear(HiddenSize, GroupSize * ParametersPerFeature);
        register_module(nameof(trunk), trunk);
        register_module(nameof(initial), initial);
        register_module(nameof(recurrence), recurrence);
        register_module(nameof(head), head);
    }

    public override Tensor Condition(Tensor z) => trunk!.forward(z);

    /// <summary>Teacher forcing: the parameters of every group given the data's earlier groups, [N, G, S·P] for conditions [N, C] and rows [N, F], in one GRU pass.</summary>
    protected Tensor TeacherForcedParameters(Tensor condition, Tensor rows)
    {
        long n = rows.shape[0];
        var state = InitialState(condition);                                                   // [N, H]
        if (Groups == 1)
            return head!.forward(state).unsqueeze(1);
        var earlier = rows.view(n, Groups, GroupSize).narrow(1, 0, Groups - 1);                // x_1 … x_{G−1}
        var context = condition.unsqueeze(1).expand(n, Groups - 1, ConditionWidth);
        var (states, _) = recurrence!.forward(cat([earlier, context], 2), state.unsqueeze(0)); // h_1 … h_{G−1}
        return head!.forward(cat([state.unsqueeze(1), states], 1));
    }

    /// <summary>
    /// A draw x ~ p(x|z) for conditions [N, C], group by group; returns [N, F]. Gradients flow through the draw when
    /// <see cref="DrawGroup"/> is reparameterised and gradients are on.
    /// </summary>
    public Tensor Draw(Tensor condition, Generator generator)
    {
        var state = InitialState(condition).unsqueeze(0);                                      // [1, N, H]
        var context = condition.unsqueeze(1);                                                  // [N, 1, C]
        var groups = new Tensor[Groups];
        for (int t = 0; t < Groups; t++)
        {
            groups[t] = DrawGroup(head!.forward(state.squeeze(0)), generator);                 // [N, S]
            if (t + 1 < Groups)
                (_, state) = recurrence!.forward(cat([groups[t].unsqueeze(1), context], 2), state);
        }
        return cat(groups, 1);
    }

    /// <summary>One group's draw [N, S] from its parameters [N, S·P].</summary>
    protected abstract Tensor DrawGroup(Tensor parameters, Generator generator);

    /// <summary>log p(x|z) per row from teacher-forced parameters [N, G, S·P] and rows [N, F].</summary>
    protected abstract Tensor LogLikelihoodFromParameters(Tensor parameters, Tensor rows);

    public override Tensor LogLikelihood(Tensor condition, Tensor rows) =>
        LogLikelihoodFromParameters(TeacherForcedParameters(condition, rows), rows);

    public override Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows)
    {
        // Every (row, code) pair is one sequence; rows go in chunks that keep a pass near 8 million values.
        long n = rows.shape[0], g = condition.shape[0];
        long chunk = Math.Max(1, 8_000_000 / (g * ValuesPerCode));
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += chunk)
        {
            long m = Math.Min(chunk, n - start);
            var part = rows.narrow(0, start, m);
            var pairedRows = part.unsqueeze(1).expand(m, g, Shape.FeatureCount).reshape(m * g, Shape.FeatureCount);
            var pairedConditions = condition.unsqueeze(0).expand(m, g, condition.shape[1]).reshape(m * g, condition.shape[1]);
            parts.Add(LogLikelihood(pairedConditions, pairedRows).view(m, g));
        }
        return parts.Count == 1 ? parts[0] : cat(parts, 0);
    }

    public override DecoderOutput Parameters(Tensor z) =>
        throw new NotSupportedException(
            $"The {Family} decoder has no parameters per code: each group's distribution depends on the earlier groups of x as well as on z. " +
            "Use EstimateLogLikelihood to score rows, or a factorized family to decode codes.");

    public override DecoderDescription Describe() =>
        throw new NotSupportedException(
            $"The {Family} decoder has no ONNX export: scoring log p(x|z) needs the GRU run over x with teacher forcing, and generation a loop " +
            "of one GRU step per group. The encoder, which is what an ML.NET pipeline uses, exports as for every family (ExportEncoderToOnnx).");

    private Tensor InitialState(Tensor condition) => initial!.forward(condition).tanh();
}

/// <summary>
/// The autoregressive decoder with Bernoulli features (binary data, values in [0, 1]). The information gradient is the
/// score-function estimator over the whole drawn sequence, log p(x|z) of the draw taken by teacher forcing, with the
/// leave-one-out baseline of two draws per z, as for <see cref="BernoulliDecoder"/>: unbiased, with a variance that grows
/// with the number of drawn bits, since the reward log r(z|x) depends on all of them.
/// </summary>
internal sealed class AutoregressiveBernoulliDecoder(DecoderShape shape, int groupSize, int hiddenSize) : AutoregressiveDecoder(shape, groupSize, hiddenSize)
{
    public override DecoderFamily Family => DecoderFamily.AutoregressiveBernoulli;

    protected override int ParametersPerFeature => 1;

    protected override Tensor DrawGroup(Tensor parameters, Generator generator) => BernoulliMath.Draw(parameters.sigmoid(), generator);

    protected override Tensor LogLikelihoodFromParameters(Tensor parameters, Tensor rows) =>
        BernoulliMath.LogLikelihood(parameters.reshape(rows.shape[0], Shape.FeatureCount), rows);

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var doubled = cat([condition, condition], 0);
        Tensor samples;
        using (no_grad())
            samples = Draw(doubled, generator);
        return ScoreFunctionTerms(z, samples, LogLikelihood(doubled, samples), auxiliary);
    }

    public override double? ExactInformation() => EnumeratedBinaryInformation();

    public override string ValueRule => "must lie in [0, 1]";

    public override int FindInvalid(ReadOnlySpan<float> values) => FindOutsideUnitInterval(values);
}

/// <summary>
/// The autoregressive decoder with Gaussian features (real data): each group's mean and log-variance come from the state. The
/// information gradient is reparameterised through the sequential draw (x_t = m_t + σ_t·ε_t, with m_t and σ_t depending on the drawn x_&lt;t).
/// </summary>
internal sealed class AutoregressiveGaussianDecoder(DecoderShape shape, int groupSize, int hiddenSize) : AutoregressiveDecoder(shape, groupSize, hiddenSize)
{
    public override DecoderFamily Family => DecoderFamily.AutoregressiveGaussian;

    protected override int ParametersPerFeature => 2;

    protected override Tensor DrawGroup(Tensor parameters, Generator generator)
    {
        var halves = parameters.chunk(2, 1);
        return GaussianMath.Sample(halves[0], halves[1], generator);
    }

    protected override Tensor LogLikelihoodFromParameters(Tensor parameters, Tensor rows)
    {
        long n = rows.shape[0];
        var mean = parameters.narrow(2, 0, GroupSize).reshape(n, Shape.FeatureCount);
        var logVariance = parameters.narrow(2, GroupSize, GroupSize).reshape(n, Shape.FeatureCount);
        return GaussianMath.LogDensity(rows, mean, logVariance).sum(1);
    }

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator) =>
        ReparameterisedTerms(z, Draw(condition, generator), auxiliary);
}
