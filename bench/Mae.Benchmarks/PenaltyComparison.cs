using System.Globalization;
using Mae.Modeling;
using Mae.Training;

namespace Mae.Benchmarks;

/// <summary>
/// Which information penalty meets the target best: trains the paper's two toy problems with each penalty and reports,
/// against quadrature ground truth, the miss |I_p − M|, the exact log-likelihood, and the model marginal's KL from the data.
/// </summary>
internal static class PenaltyComparison
{
    public static void Run(string outputDirectory, int steps, int threads)
    {
        var lines = new List<string> { "experiment,penalty,target_nats,exact_nats,miss_nats,elbo,log_likelihood,marginal_kl_nats,seconds" };
        Console.WriteLine($"{"experiment",-17} {"penalty",-9} {"M",5} {"exact I",8} {"miss",7} {"ELBO",8} {"log p(x)",9} {"KL marg.",9}");
        var summary = new Dictionary<InformationPenalty, List<double>>();
        foreach (var penalty in Enum.GetValues<InformationPenalty>())
        {
            summary[penalty] = [];
            foreach (var (experiment, target) in Cases())
            {
                bool categorical = experiment == "categorical";
                var options = new MutualAutoencoderOptions
                {
                    Decoder = categorical ? DecoderFamily.Categorical : DecoderFamily.Gaussian,
                    NumberOfClasses = categorical ? 10 : 0,
                    LatentDimension = 1, HiddenSizes = [64, 64], BatchSize = 1024, NumberOfEpochs = 4,
                    TargetInformation = target, Penalty = penalty, Seed = 7, NumberOfThreads = threads, EvaluationSampleSize = 1024,
                };
                int rowsPerEpoch = 1024 * Math.Max(1, steps / options.NumberOfEpochs);
                var data = categorical
                    ? TrainingData.FromSampler(1, rowsPerEpoch, (r, row) => row[0] = r.Next(10))
                    : TrainingData.FromSampler(1, rowsPerEpoch, (r, row) => row[0] = (float)StandardNormal(r));
                using var model = new MutualAutoencoderTrainer(options).Fit(data);
                var final = model.Report.Final;
                double exact = final.ExactInformation!.Value, miss = Math.Abs(exact - target);
                double divergence = categorical ? Quadrature.DivergenceFromUniform(model.Networks.Decoder) : Quadrature.DivergenceFromStandardNormal(model.Networks.Decoder);
                summary[penalty].Add(miss);
                Console.WriteLine($"{experiment,-17} {penalty,-9} {target,5:F2} {exact,8:F4} {miss,7:F4} {final.Elbo,8:F4} {final.ExactLogLikelihood,9:F4} {divergence,9:F5}");
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{experiment},{penalty},{target},{exact:F5},{miss:F5},{final.Elbo:F5},{final.ExactLogLikelihood:F5},{divergence:F6},{final.Seconds:F1}"));
            }
        }
        Console.WriteLine();
        foreach (var (penalty, misses) in summary)
            Console.WriteLine($"{penalty,-9} mean miss {misses.Average():F4} nats, worst {misses.Max():F4}");
        string path = Path.Combine(outputDirectory, "penalties.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    private static IEnumerable<(string Experiment, double Target)> Cases() =>
        new[] { 0.5, 1.0, 1.5, 2.0 }.Select(m => ("categorical", m))
            .Concat(new[] { 0.4, 0.8, 1.2 }.Select(m => ("splitting-normal", m)));

    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
