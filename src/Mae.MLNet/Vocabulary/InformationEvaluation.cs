namespace Mae;

/// <summary>
/// How much the encoder's code says about a set of rows: the information I_q(z, x) between the rows and their codes, the rate,
/// and what separates them, the divergence of the aggregate posterior from the prior. All in nats per row.
/// </summary>
/// <remarks>
/// The identity behind the figures: rate = E_x KL(q(z|x) ‖ p(z)) = I_q(z, x) + KL(q(z) ‖ p(z)), with q(z) the aggregate posterior,
/// the average of the rows' posteriors. I_q is estimated with the aggregate-posterior (minibatch) estimator of He et al. (2019) on
/// all the rows at once; it is a lower bound in expectation and can never exceed <see cref="InformationCap"/> = ln N. Use rows that did
/// not train the model, and enough of them that ln N lies well above the information you expect. For such rows the two estimates
/// bracket, in expectation, the information about the distribution the rows come from: <see cref="AggregatePosteriorInformation"/>
/// from below, <see cref="LeaveOneOutInformation"/> from above. The bracket narrows as N grows; on a few hundred rows it is wide
/// enough to matter. More <see cref="Draws"/> make both steadier.
/// </remarks>
public sealed class InformationEvaluation
{
    internal InformationEvaluation(int rowCount, double information, double leaveOneOutInformation, double rate, int activeUnits, int draws)
    {
        RowCount = rowCount;
        AggregatePosteriorInformation = information;
        LeaveOneOutInformation = leaveOneOutInformation;
        Rate = rate;
        ActiveUnits = activeUnits;
        Draws = draws;
    }

    /// <summary>Number of rows N the figures are computed on.</summary>
    public int RowCount { get; }

    /// <summary>I_q(z, x): the information in the code about these rows, from the aggregate-posterior estimator. At most <see cref="InformationCap"/>.</summary>
    public double AggregatePosteriorInformation { get; }

    /// <summary>
    /// I_q(z, x) from the leave-one-out estimator: as <see cref="AggregatePosteriorInformation"/>, but each row's code is scored
    /// against the mixture of the other N − 1 rows' posteriors. For rows that did not train the model it is an upper bound in
    /// expectation on the information about the distribution they come from (Poole et al., 2019), with no cap; it can be far
    /// too high when N is small and the codes are sharp. The gap between the two estimates shows how far N limits the figure.
    /// </summary>
    public double LeaveOneOutInformation { get; }

    /// <summary>Draws z ~ q(z|x) per row that I_q, its leave-one-out estimate and KL(q(z) ‖ p(z)) are averaged over; the rate and the active units take none.</summary>
    public int Draws { get; }

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
