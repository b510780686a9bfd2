using Mae.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>
/// A differentiable estimate of the information I_q(z, x) in the code on the training batches: the aggregate-posterior
/// estimator E_i[log q(z_i|x_i) − log q(z_i)], where q(z) is the mixture of the posteriors of the current batch and of the
/// last <see cref="Capacity"/> training rows (a ring of their detached posterior parameters). One batch alone would cap the
/// estimate at ln(batch size), 5.5 nats for 256 rows; the ring lifts the cap to ln(ring + batch).
/// </summary>
/// <remarks>
/// Gradients reach the encoder through the batch's samples and its own mixture components; the ring's components, written
/// by earlier steps, are constants. Its memory is 2·capacity·d floats.
/// </remarks>
internal sealed class AggregatePosteriorBank : IDisposable
{
    private readonly Tensor parameters; // [capacity, 2d]: means then log-variances, as the encoder returns them
    private long count;
    private long next;

    public AggregatePosteriorBank(int capacity, int latentDimension)
    {
        Capacity = capacity;
        using var _ = NewDisposeScope();
        parameters = zeros(capacity, 2 * latentDimension).MoveToOuterDisposeScope();
        parameters.DetachFromDisposeScope();
    }

    public int Capacity { get; }

    /// <summary>The estimate for a batch: samples z [B, d] drawn from the batch's posteriors <paramref name="batchParameters"/> [B, 2d].</summary>
    public Tensor Information(Tensor z, Tensor batchParameters)
    {
        long batch = z.shape[0];
        var own = GaussianMath.DiagonalLogDensity(z, batchParameters);                // log q(z_i | x_i)
        var components = count == 0 ? batchParameters : cat([batchParameters, parameters.narrow(0, 0, count)], 0);
        var mixture = GaussianMath.PairwiseDiagonalLogDensityByProducts(z, components).logsumexp(1); // log Σ_j q(z_i | x_j)
        using var logComponents = Math.Log(batch + count).ToScalar();
        return (own - mixture).mean().Plus(logComponents);
    }

    /// <summary>Writes the batch's detached posterior parameters over the oldest entries of the ring.</summary>
    public void Add(Tensor batchParameters)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long rows = Math.Min(batchParameters.shape[0], Capacity);
        var source = batchParameters.detach().narrow(0, batchParameters.shape[0] - rows, rows);
        var positions = new long[rows];
        for (long i = 0; i < rows; i++)
            positions[i] = (next + i) % Capacity;
        var index = tensor(positions);
        parameters.index_copy_(0, index, source);
        next = (next + rows) % Capacity;
        count = Math.Min(Capacity, count + rows);
    }

    public void Dispose() => parameters.Dispose();
}
