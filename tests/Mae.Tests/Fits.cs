using Mae;

namespace Mae.Tests;

/// <summary>
/// Runs a fixture's independent fits <see cref="TestSizes.ParallelFits"/> at a time, so that both cores train. Each fit draws from
/// its own generator and sets its thread count on its own thread, so the models equal those of the same fits run one after the
/// other (<see cref="ConcurrentFitTests"/> checks this).
/// </summary>
internal static class Fits
{
    /// <summary>Runs every fit and returns the models in the order of <paramref name="fits"/>; list the longest first.</summary>
    /// <exception cref="AggregateException">A fit failed; the models of the others are disposed.</exception>
    public static MutualAutoencoderModel[] Run(params Func<MutualAutoencoderModel>[] fits) => Run(TestSizes.ParallelFits, fits);

    /// <summary>As <see cref="Run(Func{MutualAutoencoderModel}[])"/>, <paramref name="parallelFits"/> at a time.</summary>
    public static MutualAutoencoderModel[] Run(int parallelFits, params Func<MutualAutoencoderModel>[] fits)
    {
        var models = new MutualAutoencoderModel?[fits.Length];
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int next = -1;
        // Each thread takes the next fit in the given order, so that the longest, listed first, start first.
        var threads = Enumerable.Range(0, Math.Min(parallelFits, fits.Length)).Select(_ => new Thread(() =>
        {
            for (int i = Interlocked.Increment(ref next); i < fits.Length && errors.IsEmpty; i = Interlocked.Increment(ref next))
            {
                try
                {
                    models[i] = fits[i]();
                }
                catch (Exception exception)
                {
                    errors.Enqueue(exception);
                }
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        if (errors.IsEmpty)
            return models!;
        foreach (var model in models)
            model?.Dispose();
        throw new AggregateException(errors);
    }
}
