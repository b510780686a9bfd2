using System.Diagnostics;
using System.Globalization;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;

// Mae on a table as ML.NET users hold one: the marketing survey "income" (8,993 households answering 14 questions; Impact
// Resources, 1987, as shipped in R's kernlab and Debian's r-cran-kernlab; scripts/fetch-tables.sh writes it to out/tables).
// Its 13 answers are categorical and 2,694 of them are missing (empty cells); the 14th, household income in 9 bands, is the label.
//
//  1. One step models the 13 columns as they are: MapValueToKey turns each answer into a key (an empty cell becomes key 0,
//     ML.NET's missing value), and MutualAutoencode learns a 16-dimensional code of the row from its observed cells.
//  2. Imputation: with ImputeMissingValues the step also fills each key column's missing cells in place. A fifth of the test
//     rows' observed answers are hidden and predicted, against each column's most frequent answer.
//  3. Features: SdcaMaximumEntropy predicts the income band from the code, from the raw columns (one-hot, a missing answer all
//     zeros) and from PCA of those (16 components), with all 7,211 training labels and with 1% of them (72).
//  4. The knob M: steps 1–3 for M = 2, 4 and 8 nats, with the information the code holds about the test rows (I_q); and, for
//     imputation, the plain VAE weighing 32 codes a row by importance (ImputationDraws).
//  5. Anomaly scores: the anomaly detector's most unusual test households.
//  6. The pipeline is saved, loaded and run again; a reloaded pipeline needs no Mae (see tests/ReloadWithoutMae).
//
//   bash scripts/fetch-tables.sh && dotnet run -c Release --project examples/Tables [-- --tables DIR --out DIR]
//
// Writes out/tables-example/results.csv. About 3 minutes on two cores.

string tables = Path.Combine("out", "tables"), output = Path.Combine("out", "tables-example");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--tables" when i + 1 < args.Length: tables = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: Tables [--tables DIR] [--out DIR]");
            return 2;
    }
}
string csv = Path.Combine(tables, "income.csv");
if (!File.Exists(csv))
{
    Console.Error.WriteLine($"No {csv}: run 'bash scripts/fetch-tables.sh' first (it unpacks the table from Debian's r-cran-kernlab).");
    return 1;
}
Directory.CreateDirectory(output);
var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);

// The survey as text, one column per question; the CSV's header names them in R's spelling.
string[] answers = [.. Survey.Questions.Select(q => q.Name)];
var loader = mlContext.Data.CreateTextLoader(
    [new TextLoader.Column("Income", DataKind.String, 0), .. Survey.Questions.Select((q, i) => new TextLoader.Column(q.Name, DataKind.String, i + 1))],
    separatorChar: ',', hasHeader: true, allowQuoting: true);
var split = mlContext.Data.TrainTestSplit(loader.Load(csv), testFraction: 0.2, seed: 1);
var (train, test) = (mlContext.Data.Cache(split.TrainSet), mlContext.Data.Cache(split.TestSet));
var keys = mlContext.Transforms.Conversion.MapValueToKey([.. answers.Select(a => new InputOutputColumnPair(a))])
    .Append(mlContext.Transforms.Conversion.MapValueToKey("Label", "Income"))
    .Fit(train);
long trainRows = train.GetColumn<string>("Income").LongCount(), testRows = test.GetColumn<string>("Income").LongCount();
Console.WriteLine($"income: {trainRows:N0} training and {testRows:N0} test households, {answers.Length} answers each; missing answers (key 0) in the training rows:");
var trainKeys = keys.Transform(train);
Console.WriteLine("  " + string.Join(", ", answers.Select(a => $"{a} {trainKeys.GetColumn<uint>(a).Count(k => k == 0)}")));

// The test rows with a fifth of their observed answers hidden (set empty), and where.
var (masked, hidden) = Survey.HideAnswers(mlContext, test, fraction: 0.2, seed: 7);
var truth = Survey.Keys(keys.Transform(test), answers);
var modes = Survey.Modes(Survey.Keys(trainKeys, answers));
Console.WriteLine($"Hidden for the imputation check: {hidden.Count(h => h):N0} observed test answers.");

var results = new List<string> { "features,target_information,heldout_iq,imputation_error,accuracy_all_labels,accuracy_1pct_labels,fit_seconds" };
var pcaFeatures = mlContext.Transforms.Conversion.MapKeyToVector([.. answers.Select(a => new InputOutputColumnPair(a + "OneHot", a))])
    .Append(mlContext.Transforms.Concatenate("Raw", [.. answers.Select(a => a + "OneHot")]));
var rawPipeline = pcaFeatures.Fit(trainKeys);
var rawTrain = rawPipeline.Transform(trainKeys);
var pca = mlContext.Transforms.ProjectToPrincipalComponents("Pca", "Raw", rank: 16, seed: 1).Fit(rawTrain);
var rawTest = rawPipeline.Transform(keys.Transform(test));
double modeError = Survey.ModeErrorRate(modes, truth, hidden);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Each column's most frequent answer gets {modeError:F3} of the hidden answers wrong.\n"));
results.Add(string.Create(CultureInfo.InvariantCulture, $"most frequent answer,,,{modeError:F4},,,"));   // the names hold no commas: no quoting
Report("raw columns one-hot", double.NaN, double.NaN, double.NaN, rawTrain, rawTest, "Raw", 0);
Report("PCA of the raw columns (16)", double.NaN, double.NaN, double.NaN, pca.Transform(rawTrain), pca.Transform(rawTest), "Pca", 0);

// The MAE at three targets M, and for imputation the plain VAE weighing 32 codes a row by importance (the README's advice).
ITransformer? kept = null;
var configurations = new (string Name, double Target, MutualAutoencoderEstimator.Options Options)[]
{
    ("MAE code (d = 16)", 2.0, new() { TargetInformation = 2.0 }),
    ("MAE code (d = 16)", 4.0, new() { TargetInformation = 4.0 }),
    ("MAE code (d = 16)", 8.0, new() { TargetInformation = 8.0 }),
    ("VAE code with 32 weighted draws", double.NaN, new() { Objective = MutualAutoencoderObjective.VariationalAutoencoder, ImputationDraws = 32 }),
};
foreach (var (name, target, options) in configurations)
{
    options.ImputeMissingValues = true;
    options.Seed = 1;
    var fitClock = Stopwatch.StartNew();
    var step = mlContext.Transforms.MutualAutoencode("Code", answers, options).Fit(trainKeys);
    double fitSeconds = fitClock.Elapsed.TotalSeconds;
    var information = step.EvaluateInformation(keys.Transform(test));
    var imputed = Survey.Keys(step.Transform(keys.Transform(masked)), answers);
    double error = Survey.ErrorRate(imputed, truth, hidden);
    var normalize = mlContext.Transforms.NormalizeMeanVariance("Code").Fit(step.Transform(trainKeys));
    Report(name, target, information.AggregatePosteriorInformation, error,
        normalize.Transform(step.Transform(trainKeys)), normalize.Transform(step.Transform(keys.Transform(test))), "Code", fitSeconds);
    if (target == 4.0)
        kept = keys.Append(step);
}

// The anomaly detector on the same answers; its Score is −log p(x) in nats over a row's observed answers.
var detector = keys.Append(mlContext.AnomalyDetection.Trainers.MutualAutoencoder(answers, contamination: 0.05, seed: 1).Fit(trainKeys));
var scored = detector.Transform(test);
var scores = scored.GetColumn<float>("Score").ToArray();
var flagged = scored.GetColumn<bool>("PredictedLabel").ToArray();
var households = mlContext.Data.CreateEnumerable<Survey.Row>(test, reuseRowObject: false).ToArray();
Console.WriteLine($"\nThe anomaly detector flags {flagged.Count(f => f)} of {scores.Length} test households (5% expected); the three most unusual:");
foreach (int r in Enumerable.Range(0, scores.Length).OrderByDescending(r => scores[r]).Take(3))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  score {scores[r],6:F2} nats: {households[r]}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  median score {scores.Order().ElementAt(scores.Length / 2):F2} nats"));

// Save and load: the same codes from the reloaded pipeline.
string modelPath = Path.Combine(output, "income-mae.zip");
mlContext.Model.Save(kept!, train.Schema, modelPath);
var loaded = mlContext.Model.Load(modelPath, out _);
var before = kept!.Transform(test).GetColumn<float[]>("Code").Take(100).ToArray();
var after = loaded.Transform(test).GetColumn<float[]>("Code").Take(100).ToArray();
double largest = before.Zip(after, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nSaved the M = 4 pipeline to {modelPath}; reloaded, its codes of 100 test rows differ by at most {largest:G3}."));

string resultsPath = Path.Combine(output, "results.csv");
File.WriteAllLines(resultsPath, results);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {resultsPath}; {clock.Elapsed.TotalMinutes:F1} minutes."));
return 0;

// SdcaMaximumEntropy on a feature column with all the training labels and with 1% of them; accuracy on the test rows.
void Report(string name, double target, double information, double imputationError, IDataView trainFeatures, IDataView testFeatures, string column, double fitSeconds)
{
    double Accuracy(IDataView labelled)
    {
        var classifier = mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: column).Fit(labelled);
        return mlContext.MulticlassClassification.Evaluate(classifier.Transform(testFeatures)).MicroAccuracy;
    }
    // SDCA makes many passes: cached views (a shuffled, uncached one made it start threads on every pass until memory ran out).
    var cached = mlContext.Data.Cache(trainFeatures);
    var few = mlContext.Data.Cache(mlContext.Data.TakeRows(mlContext.Data.ShuffleRows(cached, seed: 3), (long)Math.Round(0.01 * trainRows)));
    double all = Accuracy(cached), onePercent = Accuracy(few);
    string targetText = double.IsNaN(target) ? "" : target.ToString("G3", CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-28} {(double.IsNaN(target) ? "" : $"M = {target:G3}"),-7} I_q {(double.IsNaN(information) ? "   -" : information.ToString("F2", CultureInfo.InvariantCulture)),5}  imputation error {(double.IsNaN(imputationError) ? "    -" : imputationError.ToString("F3", CultureInfo.InvariantCulture)),5}  accuracy: all labels {all:F3}, 1% {onePercent:F3}{(fitSeconds > 0 ? $"  ({fitSeconds:F0} s)" : "")}"));
    results.Add(string.Create(CultureInfo.InvariantCulture,
        $"{name},{targetText},{(double.IsNaN(information) ? "" : information.ToString("F4", CultureInfo.InvariantCulture))},{(double.IsNaN(imputationError) ? "" : imputationError.ToString("F4", CultureInfo.InvariantCulture))},{all:F4},{onePercent:F4},{(fitSeconds > 0 ? fitSeconds.ToString("F1", CultureInfo.InvariantCulture) : "")}"));
}
