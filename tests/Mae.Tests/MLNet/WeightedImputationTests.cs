using Mae.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Mae.Tests.MLNet;

/// <summary>
/// The multi-column step imputing by importance (<c>ImputationDraws</c>) on the table of <see cref="TablePipelineTests"/>: the step in
/// memory and the saved pipeline against the libtorch model's rule with the same draws, the anomaly score unchanged by it, and the
/// reference checker on both layouts of the graph.
/// </summary>
public sealed class WeightedImputationTests(WeightedImputationTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<WeightedImputationTests.Fixture>
{
    private const int Draws = 8;
    private readonly MLContext mlContext = fixture.MLContext;
    private readonly TablePipelineTests.TableRow[] source = fixture.Source;
    private readonly IDataView data = fixture.Data;
    private readonly TransformerChain<ITransformer> model = fixture.Model;
    private readonly MutualAutoencoderTransformer step = fixture.Step;

    /// <summary>The step imputing with 8 draws and scoring, fitted once for the class.</summary>
    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Data = MLContext.Data.LoadFromEnumerable(Source);
            var options = TablePipelineTests.Options();
            options.ImputationDraws = Draws;
            options.ScoreColumnName = "Score";
            Model = new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)TablePipelineTests.Pipeline(MLContext, options).Fit(Data)).ToArray());
            Step = (MutualAutoencoderTransformer)Model.Last();
        }

        public MLContext MLContext { get; } = new(seed: 1);

        public TablePipelineTests.TableRow[] Source { get; } = TablePipelineTests.Rows(TestSizes.TablePipelineRows, seed: 3);

        public IDataView Data { get; }

        public TransformerChain<ITransformer> Model { get; }

        public MutualAutoencoderTransformer Step { get; }

        public void Dispose() => Step.Dispose();
    }

    [Fact]
    public void TheStepImputesAsTheModelsWeightedRuleInMemoryAndAfterReloading()
    {
        var rows = TablePipelineTests.ModelRows(source);
        var weighted = step.Model.Impute(rows, Draws, importanceWeighted: true);
        var atMean = step.Model.Impute(rows);
        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = mlContext.Model.Load(stream, out _);

        foreach (var (name, view) in new[] { ("in memory", model.Transform(data)), ("reloaded", loaded.Transform(data)) })
        {
            var imputed = mlContext.Data.CreateEnumerable<TablePipelineTests.ImputedRow>(view, reuseRowObject: false).ToArray();
            int missing = 0, differFromMean = 0;
            for (int r = 0; r < imputed.Length; r++)
            {
                var original = source[r];
                void Cell(double cell, double actual, int index, string column)
                {
                    if (!double.IsNaN(cell))
                    {
                        Assert.Equal(cell, actual);
                        return;
                    }
                    missing++;
                    float expected = weighted[r * 7 + index];
                    differFromMean += Math.Abs(atMean[r * 7 + index] - expected) > 1e-3 * Math.Max(1, Math.Abs(expected)) ? 1 : 0;
                    Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{name}, {column}, row {r}: {actual} against the model's {expected}");
                }
                Cell(original.Age, imputed[r].Age[0], 0, "Age");
                Cell(original.Income, imputed[r].Income[0], 1, "Income");
                Cell(original.Body[0], imputed[r].Body[0], 2, "Body[0]");
                Cell(original.Body[1], imputed[r].Body[1], 3, "Body[1]");
                Cell(original.Visits, imputed[r].Visits[0], 4, "Visits");
                uint expectedKey = original.WorkclassRaw == 0 ? (uint)weighted[r * 7 + 5] + 1 : original.WorkclassRaw;
                Assert.Equal(expectedKey, imputed[r].Workclass[0]);
            }
            output.WriteLine($"{name}: {missing} missing numeric cells, {differFromMean} of them imputed otherwise than at the posterior mean");
            Assert.True(missing > imputed.Length / 2);
            Assert.True(differFromMean > missing / 2, $"{name}: only {differFromMean} of {missing} cells differ from the posterior mean's prediction.");
        }

        // The anomaly score reads the decoder at the posterior mean, which the weighted graph computes as its draw 0.
        var scores = step.Model.ScoreAnomalies(rows);
        var scored = PipelineData.ReadVectors(model.Transform(data), "Score");
        for (int r = 0; r < scores.Length; r++)
            Assert.Equal(scores[r], scored[r][0], 1e-4f * Math.Max(1, Math.Abs(scores[r])));
    }

    [SkippableFact]
    public void TheWeightedGraphPassesTheOnnxCheckerInBothLayouts()
    {
        foreach (var layout in new[] { OnnxTensorLayout.Batch, OnnxTensorLayout.SingleRow })
        {
            OnnxChecker.CheckWritten(path =>
            {
                using var file = File.Create(path);
                step.Model.WriteTable(file, "Code", null, layout, slotNames: null, ".imputed", new MutualAutoencoderModel.AnomalyOutputs("Score", null, 0), Draws);
            }, output.WriteLine);
        }
    }

    [Fact]
    public void ANegativeNumberOfDrawsIsRefusedByNameAndTheDetectorRefusesAny()
    {
        var options = TablePipelineTests.Options();
        options.ImputationDraws = -1;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TablePipelineTests.Pipeline(mlContext, options));
        Assert.Equal(nameof(MutualAutoencoderEstimator.Options.ImputationDraws), error.ParamName);
        Assert.Contains("must be non-negative; got -1", error.Message);

        var detector = Assert.Throws<ArgumentException>(() => mlContext.AnomalyDetection.Trainers.MutualAutoencoder(["Age"],
            new MutualAutoencoderAnomalyEstimator.Options { ImputationDraws = 8 }));
        Assert.Equal(nameof(MutualAutoencoderEstimator.Options.ImputationDraws), detector.ParamName);
    }
}
