using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Mae.MLNet;

/// <summary>
/// Connects a training run to ML.NET: epoch messages to <see cref="MLContext.Log"/>, epoch reports to the caller's
/// <see cref="IProgress{T}"/>, and stopping on the caller's <see cref="CancellationToken"/>.
/// </summary>
/// <remarks>
/// ML.NET 5 keeps <c>MLContext.CancelExecution</c> and the flag it sets internal (the method is public only through the
/// Microsoft.ML.Experimental package), so a component outside ML.NET cannot observe it without reflection; Mae stops on
/// <see cref="MutualAutoencoderEstimator.Options.CancellationToken"/> instead.
/// </remarks>
internal sealed class TrainingMonitor : IProgress<MutualAutoencoderEpochReport>, IDisposable
{
    private readonly IProgress<MutualAutoencoderEpochReport>? progress;
    private readonly IChannel? channel;
    private readonly double target;
    private readonly bool informationTargeted;

    public TrainingMonitor(MutualAutoencoderEstimator.Options options)
    {
        progress = options.Progress;
        target = options.TargetInformation;
        informationTargeted = options.Objective == MutualAutoencoderObjective.MutualAutoencoder;
        if (options.Context is IHostEnvironment environment)
            channel = environment.Register(nameof(MutualAutoencoderEstimator)).Start("Training");
    }

    public void Info(string message) => channel?.Info(MessageSensitivity.None, message);

    public void Report(MutualAutoencoderEpochReport value)
    {
        if (channel is not null)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Epoch {value.Epoch}/{value.NumberOfEpochs}: ELBO {value.Elbo:F4}, reconstruction {value.Reconstruction:F4}, rate {value.Rate:F4}, information bound {value.InformationBound:F4}");
            if (informationTargeted)
                text += string.Create(CultureInfo.InvariantCulture, $" (target {target:G4})");
            if (value.RateMultiplier is double beta)
                text += string.Create(CultureInfo.InvariantCulture, $", rate weight {beta:F3}");
            text += string.Create(CultureInfo.InvariantCulture,
                $", held-out I_q {value.AggregatePosteriorInformation:F4} (cap ln {value.EvaluationRowCount} = {value.InformationCap:F2}; leave-one-out {value.LeaveOneOutInformation:F4}; {value.EvaluationDraws} draws a row), " +
                $"KL(q(z) || p(z)) {value.MarginalDivergence:F4}, active units {value.ActiveUnits}, {value.Seconds:F1} s.");
            channel.Info(MessageSensitivity.None, text);
            if (value.Warning is not null)
                channel.Warning(MessageSensitivity.None, value.Warning);
        }
        progress?.Report(value);
    }

    public void Dispose() => channel?.Dispose();
}
