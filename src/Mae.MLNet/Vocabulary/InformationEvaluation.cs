namespace Mae;

/// <summary>
/// How much the encoder's code says about a set of rows: the information I_q(z, x) between the rows and their codes, the rate,
/// and what separates them, the divergence of the aggregate posterior from the prior. All in nats per row.
/// </summary>
/// <remarks>
/// The identity behind the figures: rate = E_x KL(q(z|x) ‖ p(z)) = I_q(z, x) + KL(q(z) ‖ p(z)), with q(z) the aggregate posterior,
/// the average of the rows' posteriors. I_q is estimated with the aggregate-posterior (minibatch) estimator of He et al. (2019) on
/// all the rows at once; it is a lower bound in expectation and can never exceed <see cref="InformationCap"/> = ln N. Use rows that did
/// not train the model, and enough of them that ln N lies well above the information you expect.
/// </remarks>
public sealed class InformationEvaluation
{
    internal InformationEvaluation(int rowCount, double information, double rate, int activeUnits)
    {
        RowCount = rowCount;
        AggregatePosteriorInformation = information;
        Rate = rate;
        ActiveUnits = activeUnits;
    }

    /// <summary>Number of rows N the figures are computed on.</summary>
    public int RowCount { get; }

    /// <summary>I_q(z, x): the information in the code about these rows, from the aggregate-posterior estimator. At most <see cref="InformationCap"/>.</summary>
    public double AggregatePosteriorInformation { get; }

    /// <summary>ln N, the largest value the aggregate-posterior estimator can return on N rows.</summary>
    public double InformationCap => Math.Log(RowCount);

    /// <summary>The rate E_x KL(q(z|x) ‖ p(z)) of these rows, in closed form: an upper bound on I_q.</summary>
    public double Rate { get; }

    /// <summary>
    /// KL(q(z) ‖ p(z)) = rate − I_q: how far the aggregate posterior of these rows lies from the prior. Large values mean the codes sit
    /// in a corner of the prior. Estimated as a difference, so it is biased upwards when I_q comes close to <see cref="InformationCap"/>.
    /// </summary>
    public double MarginalDivergence => Rate - AggregatePosteriorInformation;

    /// <summary>Latent units u whose posterior mean varies across these rows: Var_x E_q[z_u] ≥ 0.01.</summary>
    public int ActiveUnits { get; }
}
