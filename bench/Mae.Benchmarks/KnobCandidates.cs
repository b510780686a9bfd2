using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// Candidate fixes for the information knob, measured on Fashion-MNIST (Bernoulli decoder, d = 16, fitted on --rows training
/// images, 10 epochs): for each configuration, Î_p and the ELBO from the training report, and on the 10,000 test images the
/// information I_q in the code (with its cap), KL(q(z) ‖ p(z)), the rate and the active units, and the test accuracy of
/// SdcaMaximumEntropy trained on the codes of the fitted images. (The linear
/// factor model with a closed-form I(x; s) is a test: tests/Mae.Tests/LinearFactorModelTests.cs.)
/// </summary>
/// <remarks>
/// A configuration is name:key=value,... with keys objective (mae|vae), m, penalty, weight, eta-q, bank, matching, prior, eval,
/// encoder-r (true|false), warm, epochs, lr, eta; everything else keeps the library's defaults. One line per configuration is
/// printed and appended to the CSV.
/// </remarks>
internal static class KnobCandidates
{
    public static int Run(string[] args)
    {
        string dataDirectory = "/usr/share/datasets/fashion-mnist", csv = "knob-candidates.csv";
        int rows = 20_000, seed = 1, threads = 2;
        var configurations = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--csv": csv = args[++i]; break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--data": dataDirectory = args[++i]; break;
                default: configurations.Add(args[i]); break;
            }
        }

        var (trainPixels, trainLabels) = Load("train");
        var (testPixels, testLabels) = Load("t10k");
        int[] order = Enumerable.Range(0, trainLabels.Length).ToArray();
        new Random(seed).Shuffle(order);
        var fitRows = Rows(trainPixels, order[..rows]);
        var fitLabels = order[..rows].Select(i => trainLabels[i]).ToArray();
        var testRows = Rows(testPixels, Enumerable.Range(0, testLabels.Length).ToArray());
        var mlContext = new MLContext(seed);
        if (!File.Exists(csv))
            File.WriteAllText(csv, "name,configuration,target_nats,information_bound_nats,heldout_information_nats,information_cap_nats,marginal_kl_nats,rate_nats,active_units,elbo,seconds,sdca_accuracy,rate_multiplier\n");

        foreach (var configuration in configurations)
        {
            var (name, options) = Parse(configuration);
            options.Decoder = DecoderFamily.Bernoulli;
            options.LatentDimension = 16;
            options.Seed = seed;
            options.NumberOfThreads = threads;
            var clock = Stopwatch.StartNew();
            using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(fitRows, 784), new EpochLog(name));
            double seconds = clock.Elapsed.TotalSeconds;
            var heldOut = model.EvaluateInformation(testRows);
            var final = model.Report.Final;
            double accuracy = Sdca(model.Encode(fitRows), fitLabels, model.Encode(testRows), testLabels);
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{name},\"{configuration}\",{options.TargetInformation},{final.InformationBound:F3},{heldOut.AggregatePosteriorInformation:F3},{heldOut.InformationCap:F3},{heldOut.MarginalDivergence:F3},{heldOut.Rate:F3},{heldOut.ActiveUnits},{final.Elbo:F2},{seconds:F1},{accuracy:F4},{final.RateMultiplier:F3}");
            Console.WriteLine(line);
            File.AppendAllText(csv, line + "\n");
        }
        return 0;

        (string, MutualAutoencoderOptions) Parse(string text)
        {
            int colon = text.IndexOf(':');
            string name = colon < 0 ? text : text[..colon];
            var options = new MutualAutoencoderOptions { NumberOfEpochs = 10 };
            if (colon < 0)
                return (name, options);
            foreach (var pair in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var (key, value) = (pair.Split('=')[0], pair.Split('=')[1]);
                double number = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
                switch (key)
                {
                    case "objective": options.Objective = value == "vae" ? MutualAutoencoderObjective.VariationalAutoencoder : MutualAutoencoderObjective.MutualAutoencoder; break;
                    case "m": options.TargetInformation = number; break;
                    case "penalty": options.Penalty = Enum.Parse<InformationPenalty>(value, ignoreCase: true); break;
                    case "weight": options.PenaltyWeight = number; break;
                    case "eta-q": options.RateMultiplierLearningRate = number; break;
                    case "prior": options.PriorSampleSize = (int)number; break;
                    case "eval": options.EvaluationSampleSize = (int)number; break;
                    case "bank": options.CodeInformationSampleSize = (int)number; break;
                    case "matching": options.MarginalMatchingWeight = number; break;
                    case "encoder-r": options.EncoderServesAsAuxiliary = bool.Parse(value); break;
                    case "warm": options.WarmStartFraction = number; break;
                    case "epochs": options.NumberOfEpochs = (int)number; break;
                    case "lr": options.LearningRate = number; options.AuxiliaryLearningRate = number; break;
                    case "eta": options.MultiplierLearningRate = number; break;
                    default: throw new ArgumentException($"Unknown key '{key}' in '{text}'.");
                }
            }
            return (name, options);
        }

        (byte[] Pixels, byte[] Labels) Load(string prefix)
        {
            var images = IdxFile.Read(Path.Combine(dataDirectory, $"{prefix}-images-idx3-ubyte.gz"), 3);
            var labels = IdxFile.Read(Path.Combine(dataDirectory, $"{prefix}-labels-idx1-ubyte.gz"), 1);
            return (images.Values, labels.Values);
        }

        static float[] Rows(byte[] pixels, int[] indices)
        {
            var values = new float[indices.Length * 784];
            for (int r = 0; r < indices.Length; r++)
                for (int i = 0; i < 784; i++)
                    values[r * 784 + i] = pixels[indices[r] * 784 + i] / 255f;
            return values;
        }

        double Sdca(float[] trainCodes, byte[] trainClasses, float[] testCodes, byte[] testClasses)
        {
            IDataView View(float[] codes, byte[] classes) => mlContext.Data.LoadFromEnumerable(
                Enumerable.Range(0, classes.Length).Select(i => new CodeRow { Code = codes.AsSpan(i * 16, 16).ToArray(), Label = classes[i] + 1u }).ToList());
            var pipeline = mlContext.Transforms.NormalizeMeanVariance("Code")
                .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Code"));
            var model = pipeline.Fit(View(trainCodes, trainClasses));
            return mlContext.MulticlassClassification.Evaluate(model.Transform(View(testCodes, testClasses)), "Label").MicroAccuracy;
        }

    }

    /// <summary>Writes each epoch's figures to standard error, on the training thread.</summary>
    private sealed class EpochLog(string name) : IProgress<MutualAutoencoderEpochReport>
    {
        public void Report(MutualAutoencoderEpochReport value) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name} epoch {value.Epoch}: ELBO {value.Elbo:F2}, rate {value.Rate:F2}, Î_p {value.InformationBound:F2}, held-out I_q {value.AggregatePosteriorInformation:F2}, β {value.RateMultiplier:F3}"));
    }

    private sealed class CodeRow
    {
        [VectorType(16)] public float[] Code { get; set; } = [];
        [KeyType(10)] public uint Label { get; set; }
    }
}
