using Mae.Tests.MLNet;
using Microsoft.ML;

namespace Mae.Tests;

/// <summary>
/// TorchSharp 0.107 frees a temporary Scalar from its finalizer, which a garbage collection on another thread can run
/// while libtorch still reads it (the process aborts). Training must hold every Scalar it passes; these runs train
/// while another thread collects garbage and runs finalizers without pause.
/// </summary>
public sealed class GarbageCollectionPressureTests
{
    [Theory]
    [InlineData(DecoderFamily.Gaussian, HiddenActivation.Elu, InformationPenalty.Adaptive)]
    [InlineData(DecoderFamily.Bernoulli, HiddenActivation.Tanh, InformationPenalty.Adaptive)]
    [InlineData(DecoderFamily.Categorical, HiddenActivation.Gelu, InformationPenalty.Adaptive)]
    [InlineData(DecoderFamily.Gaussian, HiddenActivation.Relu, InformationPenalty.IndependentSquared)]
    public void TrainingSurvivesConstantGarbageCollection(DecoderFamily family, HiddenActivation activation, InformationPenalty penalty)
    {
        var random = new Random(4);
        int width = family == DecoderFamily.Categorical ? 1 : 20;
        var values = new float[TestSizes.GarbageCollectionPressure.Rows * width];
        for (int i = 0; i < values.Length; i++)
            values[i] = family == DecoderFamily.Categorical ? random.Next(5) : (float)random.NextDouble();
        var options = new MutualAutoencoderOptions
        {
            Decoder = family,
            NumberOfClasses = family == DecoderFamily.Categorical ? 5 : 0,
            Activation = activation,
            Objective = MutualAutoencoderObjective.MutualAutoencoder,
            Penalty = penalty,
            LatentDimension = 4,
            HiddenSizes = [32],
            BatchSize = 64,
            NumberOfEpochs = TestSizes.GarbageCollectionPressure.Epochs,
            Seed = 3,
            EvaluationSampleSize = 256,
            EvaluationPriorSampleSize = 256,
        };

        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(values, width));
            // 4,096 rows less the 404 held out (ln 404 ≥ M + 1), 64 per batch: 58 steps an epoch.
            Assert.Equal(TestSizes.GarbageCollectionPressure.Epochs * 58, model.Report.Final.Step);
            Assert.True(double.IsFinite(model.Report.Final.Elbo));
            Assert.Equal(TestSizes.GarbageCollectionPressure.Rows, model.Encode(values).Length / 4);
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
