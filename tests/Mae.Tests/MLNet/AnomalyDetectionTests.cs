using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Mae.Tests.MLNet;

/// <summary>
/// The anomaly detector in ML.NET's conventions on the mixed, incomplete table of <see cref="TablePipelineTests"/> with planted
/// anomalies: Score (Single) and PredictedLabel (Boolean), the evaluator, the contamination threshold, the score's agreement with the
/// libtorch model, and the transform verb's score column.
/// </summary>
public sealed class AnomalyDetectionTests : IClassFixture<AnomalyDetectionTests.Fixture>
{
    private static readonly string[] Features = ["Age", "Income", "Body", "Visits", "Workclass", "Male"];
    private readonly Fixture fixture;
    private readonly ITestOutputHelper output;

    public AnomalyDetectionTests(Fixture fixture, ITestOutputHelper output)
    {
        this.fixture = fixture;
        this.output = output;
    }

    /// <summary>The table's rows with a label: every 40th row is planted, its Age 120 (eight standard deviations) and its Body reversed.</summary>
    internal static LabelledRow[] Rows(int count, int seed) => TablePipelineTests.Rows(count, seed).Select((row, i) =>
    {
        bool planted = i % 40 == 7;
        return new LabelledRow
        {
            Age = planted ? 120 : row.Age,
            Income = row.Income,
            Body = planted ? [-3 * row.Body[0] - 2, 3 * row.Body[1] + 2] : row.Body,
            Visits = row.Visits,
            WorkclassRaw = row.WorkclassRaw,
            Male = row.Male,
            Label = planted ? 1 : 0,
        };
    }).ToArray();

    internal static IEstimator<ITransformer> Pipeline(MLContext mlContext, MutualAutoencoderAnomalyEstimator.Options options) =>
        TablePipelineTests.WorkclassKey(mlContext).Append(mlContext.AnomalyDetection.Trainers.MutualAutoencoder(Features, options));

    /// <summary>The small model of <see cref="TablePipelineTests"/>, trained for 10 epochs, expecting 5% of anomalies.</summary>
    internal static MutualAutoencoderAnomalyEstimator.Options Options()
    {
        var options = TablePipelineTests.Small(new MutualAutoencoderAnomalyEstimator.Options());
        options.NumberOfEpochs = 10;
        options.Contamination = 0.05;
        return options;
    }

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            MLContext = new MLContext(seed: 1);
            Source = Rows(TestSizes.TablePipelineRows, seed: 5);
            Data = MLContext.Data.LoadFromEnumerable(Source);
            Model = new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)Pipeline(MLContext, Options()).Fit(Data)).ToArray());
            Detector = (MutualAutoencoderAnomalyTransformer)Model.Last();
        }

        public MLContext MLContext { get; }

        public LabelledRow[] Source { get; }

        public IDataView Data { get; }

        public TransformerChain<ITransformer> Model { get; }

        public MutualAutoencoderAnomalyTransformer Detector { get; }

        public void Dispose() => Detector.Dispose();
    }

    [Fact]
    public void ScoreAndPredictedLabelAreMLNetsAnomalyColumnsAndTheEvaluatorReadsThem()
    {
        var schema = fixture.Model.GetOutputSchema(fixture.Data.Schema);
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        Assert.False(schema.GetColumnOrNull(MutualAutoencoderAnomalyEstimator.CodeColumnName).HasValue);
        var shape = Pipeline(fixture.MLContext, Options()).GetOutputSchema(PipelineWorkoutTests.ShapeOf<LabelledRow>(fixture.MLContext));
        var score = shape.Single(c => c.Name == "Score");
        Assert.True(score.Kind == SchemaShape.Column.VectorKind.Scalar && score.ItemType == NumberDataViewType.Single);
        Assert.Equal(BooleanDataViewType.Instance, shape.Single(c => c.Name == "PredictedLabel").ItemType);

        var scored = fixture.Model.Transform(fixture.MLContext.Data.LoadFromEnumerable(Rows(600, seed: 6)));
        var metrics = fixture.MLContext.AnomalyDetection.Evaluate(scored);
        output.WriteLine($"held-out rows: ROC-AUC {metrics.AreaUnderRocCurve:F3}, detection rate at the number of anomalies {metrics.DetectionRateAtFalsePositiveCount:F3}");
        Assert.True(metrics.AreaUnderRocCurve > 0.95, $"ROC-AUC {metrics.AreaUnderRocCurve:F3} on held-out rows with planted anomalies.");
    }

    [Fact]
    public void TheThresholdFlagsTheContaminationOfTheTrainingRowsAndCanBeChanged()
    {
        var rows = fixture.MLContext.Data.CreateEnumerable<ScoredRow>(fixture.Model.Transform(fixture.Data), false).ToArray();
        int flagged = rows.Count(r => r.PredictedLabel);
        Assert.Equal((int)Math.Round(0.05 * rows.Length), flagged);
        Assert.All(rows, r => Assert.Equal(r.Score > fixture.Detector.Threshold, r.PredictedLabel));
        Assert.Equal(MutualAutoencoderAnomalyEstimator.ThresholdFor(rows.Select(r => r.Score).ToArray(), 0.05), fixture.Detector.Threshold, 1e-3f);

        float original = fixture.Detector.Threshold;
        try
        {
            fixture.Detector.Threshold = rows.Max(r => r.Score) + 1;
            using var engine = fixture.MLContext.Model.CreatePredictionEngine<LabelledRow, ScoredRow>(fixture.Model, new PredictionEngineOptions { OwnsTransformer = false });
            var prediction = engine.Predict(fixture.Source[7]);
            Assert.False(prediction.PredictedLabel);
            Assert.Equal(rows[7].Score, prediction.Score, 1e-5f);
            fixture.Detector.Threshold = rows.Min(r => r.Score) - 1;
            Assert.All(fixture.MLContext.Data.CreateEnumerable<ScoredRow>(fixture.Model.Transform(fixture.Data), false), r => Assert.True(r.PredictedLabel));
            Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Detector.Threshold = float.NaN);
        }
        finally
        {
            fixture.Detector.Threshold = original;
        }
    }

    [Fact]
    public void ScoresOfRowsWithMissingCellsAreFiniteAndMatchTheLibtorchModel()
    {
        var source = Rows(200, seed: 8);
        var scored = fixture.MLContext.Data.CreateEnumerable<ScoredRow>(fixture.Model.Transform(fixture.MLContext.Data.LoadFromEnumerable(source)), false).ToArray();
        var expected = fixture.Detector.Model.ScoreAnomalies(TablePipelineTests.ModelRows(source));
        Assert.Contains(source, r => float.IsNaN(r.Age) || r.WorkclassRaw == 0);
        for (int r = 0; r < source.Length; r++)
        {
            Assert.True(float.IsFinite(scored[r].Score));
            Assert.Equal(expected[r], scored[r].Score, 1e-4f * Math.Max(1, Math.Abs(expected[r])));
        }
    }

    [Fact]
    public void RowsTheModelCannotJudgeScoreInfinityAndAreFlagged()
    {
        // A negative income in a positive column, a fractional count, and a row whose every cell but Male is missing are refused by
        // training and by the libtorch score; the step cannot throw mid-cursor, so it flags them.
        var rows = Rows(3, seed: 10);
        rows[0].Income = -5;
        rows[1].Visits = 2.5f;
        rows[2].Age = float.NaN;
        rows[2].Income = double.NaN;
        rows[2].Body = [float.NaN, float.NaN];
        rows[2].Visits = float.NaN;
        rows[2].WorkclassRaw = 0;
        var scored = fixture.MLContext.Data.CreateEnumerable<ScoredRow>(fixture.Model.Transform(fixture.MLContext.Data.LoadFromEnumerable(rows)), false).ToArray();
        Assert.True(float.IsPositiveInfinity(scored[0].Score) && scored[0].PredictedLabel);
        Assert.True(float.IsPositiveInfinity(scored[1].Score) && scored[1].PredictedLabel);
        // Male is a Boolean, always observed: the third row is judged from it alone.
        Assert.True(float.IsFinite(scored[2].Score));
        Assert.Contains("column 'Income'", Assert.Throws<ArgumentException>(() => fixture.Detector.Model.ScoreAnomalies(TablePipelineTests.ModelRows(rows[..1]))).Message);
    }

    [Fact]
    public void TheTransformVerbCarriesTheScoreBesideTheCode()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(TablePipelineTests.Rows(300, seed: 9));
        var options = TablePipelineTests.Options(impute: false);
        options.ScoreColumnName = "Score";
        var estimator = TablePipelineTests.Pipeline(mlContext, options);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector,
            estimator.GetOutputSchema(PipelineWorkoutTests.ShapeOf<TablePipelineTests.TableRow>(mlContext)).Single(c => c.Name == "Score").Kind);
        var model = estimator.Fit(data);
        try
        {
            var step = (MutualAutoencoderTransformer)((IEnumerable<ITransformer>)model).Last();
            Assert.Equal("Score", step.ScoreColumnName);
            var transformed = model.Transform(data);
            Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1), transformed.Schema["Score"].Type);
            var scores = PipelineData.ReadVectors(transformed, "Score");
            var expected = step.Model.ScoreAnomalies(TablePipelineTests.ModelRows(TablePipelineTests.Rows(300, seed: 9)));
            for (int r = 0; r < expected.Length; r++)
                Assert.Equal(expected[r], scores[r][0], 1e-4f * Math.Max(1, Math.Abs(expected[r])));
        }
        finally
        {
            foreach (var step in (IEnumerable<ITransformer>)model)
                (step as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void OptionsThatCannotApplyAreRefusedWithTheirNames()
    {
        var mlContext = new MLContext(seed: 1);
        // The detector's M is its own default, set from the ODDS measurements; the rest are the transform's.
        Assert.Equal(4, new MutualAutoencoderAnomalyEstimator.Options().TargetInformation);
        Assert.Equal(MutualAutoencoderOptions.Defaults.LatentDimension, new MutualAutoencoderAnomalyEstimator.Options().LatentDimension);
        Assert.Contains("Contamination", Assert.Throws<ArgumentOutOfRangeException>(
            () => mlContext.AnomalyDetection.Trainers.MutualAutoencoder(Features, contamination: 1)).Message);
        var options = Options();
        options.ImputeMissingValues = true;
        Assert.Contains("ImputeMissingValues", Assert.Throws<ArgumentException>(() => mlContext.AnomalyDetection.Trainers.MutualAutoencoder(Features, options)).Message);
        Assert.Contains("Feature column 'Score'", Assert.Throws<ArgumentException>(
            () => mlContext.AnomalyDetection.Trainers.MutualAutoencoder(["Age", "Score"])).Message);
        var single = new MutualAutoencoderEstimator.Options { ScoreColumnName = "Score" };
        Assert.Contains("multi-column step", Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", "Features", single)).Message);
    }

    public sealed class LabelledRow : TablePipelineTests.TableRow
    {
        public float Label { get; set; }
    }

    public sealed class ScoredRow
    {
        public float Score { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
