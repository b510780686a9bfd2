namespace Mae.Tests;

/// <summary>
/// The size of every training in the suite that costs more than a second or two, in one place: a change here shows what it costs
/// in tests/README.md, which lists each fixture's time. Each figure is the least that its tests' assertions were measured to need;
/// lowering one means checking those tolerances again, never loosening them.
/// </summary>
internal static class TestSizes
{
    /// <summary>Fits a fixture trains at once (see <see cref="Fits"/>): one per core of the two-core machines the suite targets.</summary>
    public const int ParallelFits = 2;

    /// <summary>The paper's toy problems (<see cref="PaperToyModels"/>): d = 1, batch 1,024, ten fits.</summary>
    public static class PaperToy
    {
        /// <summary>Steps per epoch: each epoch streams 1,024 × this many fresh rows.</summary>
        public const int StepsPerEpoch = 1000;

        /// <summary>
        /// Epochs of every MAE fit but one. Measured after 2,000 steps (Release): exact I_p within 0.05 nat of M for every target and
        /// both problems, the model marginal within 0.014 nat of the data's, except at M = 2 on the categorical problem.
        /// </summary>
        public const int Epochs = 2;

        /// <summary>
        /// The categorical problem at M = 2: its model marginal is still 0.104 nat from uniform after 2,000 steps and 0.044 after 3,000,
        /// against the test's 0.02.
        /// </summary>
        public const int CategoricalTwoNatsEpochs = 4;

        /// <summary>The plain VAE on the normal: I_p 0.044 after 2,000 steps, against the test's 0.05; its step costs a third of the MAE's.</summary>
        public const int VaeEpochs = 4;
    }

    /// <summary>The autoregressive collapse problem (<see cref="AutoregressiveCollapseModels"/>): 8-bit Markov chains, three fits at once.</summary>
    public static class Collapse
    {
        public const int Rows = 16_384;

        /// <summary>The VAE's code drains slowly: exact I_p 0.072 after 24 epochs, 0.042 after 32 and 0.023 after 40, against the test's 0.05.</summary>
        public const int VaeEpochs = 40;

        /// <summary>The MAE at M = 1: exact I_p 1.058, log p(x) 0.029 nat below the VAE's (the test allows 0.05).</summary>
        public const int MaeOneNatEpochs = 20;

        /// <summary>The MAE at M = 0.5: exact I_p 0.493.</summary>
        public const int MaeHalfNatEpochs = 12;
    }

    /// <summary>The linear-Gaussian factor model (<see cref="LinearFactorModels"/>): 20 features, d = 4, batch 256, three targets.</summary>
    public static class LinearFactor
    {
        public const int StepsPerEpoch = 150;

        public const int Epochs = 6;
    }

    /// <summary>A mixed table with missing cells (<see cref="MixedTableModels"/>): six cells of five kinds, d = 2, batch 256, three targets.</summary>
    public static class Tables
    {
        public const int Rows = 8192;

        /// <summary>Held-out I_q 0.530, 1.032 and 2.059 for M = 0.5, 1, 2 after 12 epochs, the last epoch averaging two draws a row (7 December 2026; 0.493, 1.028, 1.975 after 20 epochs, one draw, before).</summary>
        public const int Epochs = 12;
    }

    /// <summary>The baselines' behaviour (<see cref="ObjectiveModels"/>): 12 features in two clusters, d = 2, batch 64.</summary>
    public static class Objectives
    {
        public const int Rows = 4096;

        public const int Epochs = 12;
    }

    /// <summary>Training under constant garbage collection (<see cref="GarbageCollectionPressureTests"/>): four fits of 58 steps an epoch.</summary>
    public static class GarbageCollectionPressure
    {
        public const int Rows = 4096;

        public const int Epochs = 3;
    }

    /// <summary>Two fits on two threads against the same fits in turn (<see cref="ConcurrentFitTests"/>).</summary>
    public static class ConcurrentFits
    {
        public const int Rows = 1500;

        public const int Epochs = 2;

        /// <summary>Times the two fits run at once.</summary>
        public const int Trials = 1;
    }

    /// <summary>The multi-column pipeline's fixture (<see cref="MLNet.TablePipelineTests"/>): enough rows for every kind's cells to go missing many times; its assertions compare with the trained model itself, so they need no more.</summary>
    public const int TablePipelineRows = 600;
}
