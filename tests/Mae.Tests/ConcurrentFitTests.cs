using Mae.Tests.MLNet;
using Microsoft.ML;

namespace Mae.Tests;

/// <summary>
/// Fits on several threads at once: each draws from its own generator and sets its thread count on its own thread, so the
/// models equal those of the same fits run one after the other.
/// </summary>
public sealed class ConcurrentFitTests
{
    private static readonly float[] Rows = PipelineData.Rows(TestSizes.ConcurrentFits.Rows, seed: 4).SelectMany(r => r.Features).ToArray();

    private static MutualAutoencoderOptions Options(int seed, int threads, DecoderFamily family) => new()
    {
        Decoder = family,
        LatentDimension = 3,
        TargetInformation = 2,
        HiddenSizes = [32, 32],
        NumberOfEpochs = TestSizes.ConcurrentFits.Epochs,
        BatchSize = 64,
        Seed = seed,
        NumberOfThreads = threads,
        EvaluationSampleSize = 128,
        EvaluationPriorSampleSize = 256,
    };

    private static (float[] Codes, double Elbo, double Information) Fit(MutualAutoencoderOptions options)
    {
        var rows = options.Decoder == DecoderFamily.Bernoulli ? Rows.Select(v => v > 0 ? 1f : 0f).ToArray() : Rows;
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(rows, PipelineData.Width));
        return (model.Encode(rows.AsSpan(0, 200 * PipelineData.Width)), model.Report.Final.Elbo, model.Report.Final.AggregatePosteriorInformation);
    }

    [Fact]
    public void TwoFitsOnTwoThreadsEqualTheSameFitsRunOneAfterTheOther()
    {
        // Different seeds, families and thread counts, so that a shared generator or a shared thread count would show.
        var first = Options(seed: 1, threads: 1, DecoderFamily.Gaussian);
        var second = Options(seed: 2, threads: 2, DecoderFamily.Bernoulli);
        var sequential = (First: Fit(first), Second: Fit(second));

        for (int trial = 0; trial < TestSizes.ConcurrentFits.Trials; trial++)
        {
            using var start = new Barrier(2);
            (float[] Codes, double Elbo, double Information) a = default, b = default;
            var threadA = new Thread(() => { start.SignalAndWait(); a = Fit(first); });
            var threadB = new Thread(() => { start.SignalAndWait(); b = Fit(second); });
            threadA.Start();
            threadB.Start();
            threadA.Join();
            threadB.Join();

            Assert.Equal(sequential.First.Codes, a.Codes);
            Assert.Equal(sequential.Second.Codes, b.Codes);
            Assert.Equal(sequential.First.Elbo, a.Elbo);
            Assert.Equal(sequential.Second.Elbo, b.Elbo);
            Assert.Equal(sequential.First.Information, a.Information);
            Assert.Equal(sequential.Second.Information, b.Information);
        }
        // The two problems differ, so equality above is not two copies of one model.
        Assert.NotEqual(sequential.First.Codes, sequential.Second.Codes);
    }

    [Fact]
    public void EvaluatingInformationTwiceGivesTheSameFigures()
    {
        using var model = new MutualAutoencoderTrainer(Options(seed: 3, threads: 1, DecoderFamily.Gaussian)).Fit(TrainingData.FromArray(Rows, PipelineData.Width));
        var rows = Rows.AsSpan(0, 300 * PipelineData.Width);
        var once = model.EvaluateInformation(rows);
        var again = model.EvaluateInformation(rows);
        Assert.Equal(once.AggregatePosteriorInformation, again.AggregatePosteriorInformation);
        Assert.Equal(once.Rate, again.Rate);
    }

    [Fact]
    public void ATrainedTransformerKeepsNoneOfTheCallersObjects()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.Load(mlContext, PipelineData.Rows(300));
        var (transformer, context, progress, cancellation) = FitWithCallerObjects(mlContext, data);
        using (transformer)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.False(context.IsAlive, "The log context passed in Options.Context is still reachable from the trained transformer.");
            Assert.False(progress.IsAlive, "The Options.Progress receiver is still reachable from the trained transformer.");
            Assert.False(cancellation.IsAlive, "The source of Options.CancellationToken is still reachable from the trained transformer.");
            // The transformer still works, and still holds its report.
            Assert.Equal(300, PipelineData.ReadVectors(transformer.Transform(data), "Code").Length);
            Assert.True(transformer.Report.Epochs.Count > 0);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (MutualAutoencoderTransformer, WeakReference, WeakReference, WeakReference) FitWithCallerObjects(MLContext mlContext, IDataView data)
    {
        // The log context is not the pipeline's: ML.NET's own scorer legitimately holds the context that created it.
        var logContext = new MLContext(seed: 2);
        var epochs = new List<MutualAutoencoderEpochReport>();
        var progress = new Progress<MutualAutoencoderEpochReport>(epochs.Add);
        var cancellation = new CancellationTokenSource();
        var options = PipelineData.Quick();
        options.Context = logContext;
        options.Progress = progress;
        options.CancellationToken = cancellation.Token;
        var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(data);
        return (transformer, new WeakReference(logContext), new WeakReference(progress), new WeakReference(cancellation));
    }
}
