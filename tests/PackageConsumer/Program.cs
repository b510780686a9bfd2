using System.Diagnostics;
using System.Reflection;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;

// Trains a small breast-cancer-style pipeline with the Mutual Autoencoder from the Mae.MutualAutoencoder package, saves it,
// reloads it and checks that the reloaded pipeline scores the same. Exit code 0: all checks passed; 1: a check failed.
//
//   PackageConsumer                          the pipeline (the app references TorchSharp-cpu and Microsoft.ML.OnnxRuntime)
//   PackageConsumer --expect-missing-natives the app was built without both: checks that Mae's errors name the packages to add
const double Tolerance = 1e-5;

try
{
    var mae = typeof(MutualAutoencoderEstimator).Assembly;
    Console.WriteLine($"Mae {mae.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion} from {mae.Location}");
    return args switch
    {
        [] => RunPipeline(),
        ["--expect-missing-natives"] => ExpectMissingNatives(),
        _ => Usage(),
    };
}
catch (Exception exception)
{
    Console.Error.WriteLine($"FAILED: {exception}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("Usage: PackageConsumer [--expect-missing-natives]");
    return 2;
}

static int RunPipeline()
{
    var mlContext = new MLContext(seed: 1);
    var training = mlContext.Data.LoadFromEnumerable(Tumours.Generate(rows: 600, seed: 1));
    var test = mlContext.Data.LoadFromEnumerable(Tumours.Generate(rows: 200, seed: 2));

    var pipeline = mlContext.Transforms.NormalizeMeanVariance("Features")
        .Append(mlContext.Transforms.MutualAutoencode("Code", "Features", new MutualAutoencoderEstimator.Options
        {
            TargetInformation = 2, LatentDimension = 2, Decoder = DecoderFamily.Gaussian,
            HiddenSizes = [32, 32], BatchSize = 64, NumberOfEpochs = 8, Seed = 1,
        }))
        .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", featureColumnName: "Code"));

    var clock = Stopwatch.StartNew();
    var model = pipeline.Fit(training);
    Console.WriteLine($"Fit on 600 rows: {clock.Elapsed.TotalSeconds:F1} s");

    var scored = model.Transform(test);
    var metrics = mlContext.BinaryClassification.Evaluate(scored, labelColumnName: "Label");
    Console.WriteLine($"Test accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3} (200 rows)");

    string path = Path.Combine(Path.GetTempPath(), $"mae-package-consumer-{Environment.ProcessId}.zip");
    try
    {
        mlContext.Model.Save(model, training.Schema, path);
        var reloaded = mlContext.Model.Load(path, out _);
        Console.WriteLine($"Saved and reloaded {new FileInfo(path).Length:N0} bytes; steps: " +
            string.Join(", ", (reloaded as IEnumerable<ITransformer> ?? [reloaded]).Select(step => step.GetType().Name)));

        var before = Read(mlContext, scored);
        var after = Read(mlContext, reloaded.Transform(test));
        int failures = 0;
        failures += Compare("Code", before.Select(r => r.Code), after.Select(r => r.Code));
        failures += Compare("Score", before.Select(r => new[] { r.Score }), after.Select(r => new[] { r.Score }));
        failures += Compare("Probability", before.Select(r => new[] { r.Probability }), after.Select(r => new[] { r.Probability }));
        if (metrics.Accuracy < 0.75)
        {
            Console.Error.WriteLine($"FAILED: test accuracy {metrics.Accuracy:F3} is below 0.75 (a code that says nothing gets about 0.65, the share of benign rows).");
            failures++;
        }
        Console.WriteLine(failures == 0 ? "PackageConsumer: all checks passed." : $"PackageConsumer: {failures} check(s) failed.");
        return failures == 0 ? 0 : 1;
    }
    finally
    {
        File.Delete(path);
    }
}

static List<ScoredTumour> Read(MLContext mlContext, IDataView view) =>
    mlContext.Data.CreateEnumerable<ScoredTumour>(view, reuseRowObject: false).ToList();

static int Compare(string column, IEnumerable<float[]> expected, IEnumerable<float[]> actual)
{
    float[] a = [.. expected.SelectMany(v => v)], b = [.. actual.SelectMany(v => v)];
    if (a.Length != b.Length || a.Length == 0)
    {
        Console.Error.WriteLine($"FAILED: column '{column}' has {a.Length} values before saving and {b.Length} after reloading.");
        return 1;
    }
    double worst = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    bool ok = worst <= Tolerance;
    Console.WriteLine($"{(ok ? "ok" : "FAILED")}: column '{column}', {a.Length} values, largest difference after reloading {worst:E2} (limit {Tolerance:E0})");
    return ok ? 0 : 1;
}

// Built without TorchSharp-cpu and Microsoft.ML.OnnxRuntime: training must fail naming TorchSharp-cpu, and the pipeline step
// (which needs ONNX Runtime to score) must fail naming Microsoft.ML.OnnxRuntime, before any training.
static int ExpectMissingNatives()
{
    int failures = 0;
    var options = new MutualAutoencoderOptions { LatentDimension = 1, HiddenSizes = [4], NumberOfEpochs = 1, BatchSize = 4, Seed = 1 };
    failures += ExpectError("training without TorchSharp-cpu", "dotnet add package TorchSharp-cpu --version 0.107.0",
        () => new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray([0f, 1f, 2f, 3f], featureCount: 1)).Dispose());

    var mlContext = new MLContext(seed: 1);
    var data = mlContext.Data.LoadFromEnumerable(Tumours.Generate(rows: 8, seed: 1));
    failures += ExpectError("the pipeline step without Microsoft.ML.OnnxRuntime", "dotnet add package Microsoft.ML.OnnxRuntime --version 1.31.1",
        () => mlContext.Transforms.MutualAutoencode("Code", "Features", latentDimension: 1, numberOfEpochs: 1, seed: 1).Fit(data).Dispose());

    Console.WriteLine(failures == 0 ? "PackageConsumer: missing natives named as expected." : $"PackageConsumer: {failures} check(s) failed.");
    return failures == 0 ? 0 : 1;
}

static int ExpectError(string what, string advice, Action action)
{
    try
    {
        action();
    }
    catch (InvalidOperationException exception) when (exception.Message.Contains(advice, StringComparison.Ordinal))
    {
        Console.WriteLine($"ok: {what} fails with: {exception.Message}");
        return 0;
    }
    catch (Exception exception)
    {
        Console.Error.WriteLine($"FAILED: {what} should throw InvalidOperationException saying '{advice}'; it threw {exception}");
        return 1;
    }
    Console.Error.WriteLine($"FAILED: {what} should throw InvalidOperationException saying '{advice}'; it succeeded.");
    return 1;
}

/// <summary>A row like the Wisconsin breast cancer data: nine cell measurements scored 1 to 10, and whether the tumour is malignant.</summary>
internal sealed class Tumour
{
    public bool Label { get; set; }

    [VectorType(9)]
    public float[] Features { get; set; } = [];
}

internal sealed class ScoredTumour
{
    [VectorType(2)]
    public float[] Code { get; set; } = [];

    public float Score { get; set; }

    public float Probability { get; set; }
}

internal static class Tumours
{
    /// <summary>About a third malignant; malignant rows score higher on every measurement, with noise, clipped to 1..10.</summary>
    public static IEnumerable<Tumour> Generate(int rows, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < rows; i++)
        {
            bool malignant = random.NextDouble() < 0.35;
            var features = new float[9];
            for (int j = 0; j < features.Length; j++)
            {
                double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                features[j] = (float)Math.Clamp(Math.Round((malignant ? 6.0 : 3.5) + 2.5 * normal), 1, 10);
            }
            yield return new Tumour { Label = malignant, Features = features };
        }
    }
}
