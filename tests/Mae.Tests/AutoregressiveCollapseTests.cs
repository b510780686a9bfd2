using Mae;

namespace Mae.Tests;

/// <summary>
/// The collapse the paper is about, on data an autoregressive decoder models without any code: 8-bit sequences of a binary Markov
/// chain (a uniform first bit, then each bit flips with probability 0.2; log p(x) = −ln 2 − 7·H(0.2) = −4.196 nats for the
/// best model). Trained with a 1-D code and the autoregressive Bernoulli decoder, one bit per group, so that exact I_p and
/// exact log p(x) come from quadrature over z and enumeration of the 256 sequences. The three fits run at once on two threads
/// (their lengths differ, so three at once finish sooner than two at a time), and only their last epochs, the ones the tests
/// read, pay for the exact figures (<see cref="MutualAutoencoderOptions.EvaluateEveryEpoch"/>).
/// Measured (Release, two cores; <see cref="TestSizes.Collapse"/> has the figures): VAE I_p 0.072 after 24 epochs and 0.023 after
/// 40; the MAE at M = 1 holds 1.058 nats at 0.029 nat of log p(x) below the VAE after 20 epochs.
/// </summary>
public sealed class AutoregressiveCollapseModels : IDisposable
{
    public const int Bits = 8;

    public AutoregressiveCollapseModels()
    {
        var data = MarkovChain(TestSizes.Collapse.Rows, seed: 1);
        (Vae, Mae1, MaeHalf) = Fits.Run(parallelFits: 3,
            () => Fit(data, MutualAutoencoderObjective.VariationalAutoencoder, 0, TestSizes.Collapse.VaeEpochs),
            () => Fit(data, MutualAutoencoderObjective.MutualAutoencoder, 1, TestSizes.Collapse.MaeOneNatEpochs),
            () => Fit(data, MutualAutoencoderObjective.MutualAutoencoder, 0.5, TestSizes.Collapse.MaeHalfNatEpochs)) switch
        {
            [var vae, var mae1, var maeHalf] => (vae, mae1, maeHalf),
            _ => throw new InvalidOperationException("Three fits give three models."),
        };
    }

    public MutualAutoencoderModel Vae { get; }

    public MutualAutoencoderModel Mae1 { get; }

    public MutualAutoencoderModel MaeHalf { get; }

    public static float[] MarkovChain(int rows, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * Bits];
        for (int i = 0; i < rows; i++)
        {
            int bit = random.Next(2);
            for (int j = 0; j < Bits; j++)
            {
                if (j > 0 && random.NextDouble() < 0.2)
                    bit = 1 - bit;
                values[i * Bits + j] = bit;
            }
        }
        return values;
    }

    /// <remarks>
    /// A learning rate of 3e-3 without decay: with the default 1e-3 and its cuts the plain VAE still held 0.45 nat after 512
    /// steps and 0.22 after 2,048; its code's information drains only as fast as the decoder learns to do without it.
    /// </remarks>
    private static MutualAutoencoderModel Fit(float[] data, MutualAutoencoderObjective objective, double target, int epochs) =>
        new MutualAutoencoderTrainer(new MutualAutoencoderOptions
        {
            Objective = objective, TargetInformation = target, Decoder = DecoderFamily.AutoregressiveBernoulli, GroupSize = 1, DecoderHiddenSize = 16,
            LatentDimension = 1, HiddenSizes = [32], BatchSize = 256, PriorSampleSize = 512, NumberOfEpochs = epochs,
            LearningRate = 3e-3, AuxiliaryLearningRate = 3e-3, DecayLearningRate = false, Seed = 3, NumberOfImportanceSamples = 0,
            EvaluateEveryEpoch = false,
        }).Fit(TrainingData.FromArray(data, Bits));

    public void Dispose()
    {
        Vae.Dispose();
        Mae1.Dispose();
        MaeHalf.Dispose();
    }
}

public sealed class AutoregressiveCollapseTests(AutoregressiveCollapseModels models, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AutoregressiveCollapseModels>
{
    private const double BestLogLikelihood = -4.196;

    [Fact]
    public void TheVaeIgnoresItsCodeWhileTheMaeHoldsOneNatAtTheSameLikelihood()
    {
        var vae = models.Vae.Report.Final;
        var mae = models.Mae1.Report.Final;
        foreach (var (name, f) in new[] { ("VAE", vae), ("MAE M=1", mae), ("MAE M=0.5", models.MaeHalf.Report.Final) })
            output.WriteLine($"{name}: exact I_p {f.ExactInformation:F4}, bound {f.InformationBound:F4}, I_q {f.AggregatePosteriorInformation:F4}, exact log p {f.ExactLogLikelihood:F4}, ELBO {f.Elbo:F4}, {f.Seconds:F0} s");
        Assert.True(vae.ExactInformation < 0.05, $"The VAE's exact I_p is {vae.ExactInformation:F4} nat.");
        Assert.InRange(mae.ExactInformation!.Value, 0.9, 1.1);
        // Both model the data about as well as the best model can; the MAE pays for its code at most 0.05 nat of log p(x).
        Assert.InRange(vae.ExactLogLikelihood!.Value, BestLogLikelihood - 0.05, BestLogLikelihood + 0.05);
        Assert.True(mae.ExactLogLikelihood > vae.ExactLogLikelihood - 0.05,
            $"exact log p(x): MAE {mae.ExactLogLikelihood:F4}, VAE {vae.ExactLogLikelihood:F4}.");
        // The code users consume holds it too, on held-out rows.
        Assert.InRange(mae.AggregatePosteriorInformation, 0.8, 1.2);
    }

    [Fact]
    public void TheMaeMeetsHalfANatAndOneNatWithTheBoundBelowTheExactInformation()
    {
        foreach (var (model, target) in new[] { (models.MaeHalf, 0.5), (models.Mae1, 1.0) })
        {
            var final = model.Report.Final;
            Assert.InRange(final.ExactInformation!.Value, target - 0.1, target + 0.1);
            // Î_p is a lower bound; 4,096 prior draws give it a Monte-Carlo error of about 0.02 nat.
            Assert.True(final.InformationBound <= final.ExactInformation + 0.05,
                $"M = {target}: bound {final.InformationBound:F4} above exact {final.ExactInformation:F4}.");
        }
    }

    [Fact]
    public void TheImportanceSampledLikelihoodAgreesWithTheExactOne()
    {
        // On the same rows: 256 sequences of the chain, fresh. The estimate is a lower bound in expectation that tightens with K.
        var rows = AutoregressiveCollapseModels.MarkovChain(256, seed: 9);
        double sampled = models.Mae1.EstimateLogLikelihood(rows, samples: 200);
        double exact = ExactLogLikelihood(models.Mae1, rows);
        Assert.InRange(sampled, exact - 0.05, exact + 0.01);
    }

    /// <summary>Exact mean log p(x) of <paramref name="rows"/> for a 1-D code, through the trainer's quadrature.</summary>
    private static double ExactLogLikelihood(MutualAutoencoderModel model, float[] rows)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var tensor = TorchSharp.torch.tensor(rows, [rows.Length / AutoregressiveCollapseModels.Bits, AutoregressiveCollapseModels.Bits]);
        return Mae.Training.Diagnostics.Exact(model.Networks, tensor).LogLikelihood!.Value;
    }
}
