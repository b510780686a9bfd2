using Mae.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Mae.Tests.MLNet;

/// <summary>
/// The multi-column step on a table as ML.NET users hold it: Single and Double columns with NaN, a vector column, a key column
/// with key 0, a Boolean, and kind overrides. One fitted pipeline (imputing) serves the scoring, imputation, persistence and
/// export tests; the ground truth is the libtorch model the step trained.
/// </summary>
public sealed class TablePipelineTests : IClassFixture<TablePipelineTests.Fixture>
{
    private const int Classes = 4;
    private static readonly string[] Columns = ["Age", "Income", "Body", "Visits", "Workclass", "Male"];
    private readonly Fixture fixture;
    private readonly ITestOutputHelper output;

    public TablePipelineTests(Fixture fixture, ITestOutputHelper output)
    {
        this.fixture = fixture;
        this.output = output;
    }

    /// <summary>Rows from two latent factors, a sixth of the cells of the first five columns missing at random.</summary>
    internal static TableRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        bool Missing() => random.NextDouble() < 1.0 / 6;
        var rows = new TableRow[count];
        for (int i = 0; i < count; i++)
        {
            double a = Normal(), b = Normal();
            double rate = Math.Exp(0.5 + 0.5 * b);
            int visits = 0;
            for (double p = Math.Exp(-rate), u = random.NextDouble(), cdf = p; u > cdf && visits < 100; cdf += p)
                p *= rate / ++visits;
            rows[i] = new TableRow
            {
                Age = Missing() ? float.NaN : (float)(40 + 10 * a + Normal()),
                Income = Missing() ? double.NaN : Math.Exp(10 + 0.5 * b + 0.1 * Normal()),
                Body = [Missing() ? float.NaN : (float)(a + 0.3 * Normal()), Missing() ? float.NaN : (float)(a - b + 0.3 * Normal())],
                Visits = Missing() ? float.NaN : visits,
                WorkclassRaw = Missing() ? 0u : (uint)(1 + Math.Clamp((int)Math.Floor((a + 2) * Classes / 4), 0, Classes - 1)),
                Male = b + 0.5 * Normal() > 0,
            };
        }
        return rows;
    }

    /// <summary>A row as the model reads it: the columns' values in order, NaN for missing, class k − 1 for key k, 1/0 for a Boolean.</summary>
    internal static float[] ModelRows(IEnumerable<TableRow> rows) => rows.SelectMany(r => new[]
    {
        r.Age, (float)r.Income, r.Body[0], r.Body[1], r.Visits, r.WorkclassRaw == 0 ? float.NaN : r.WorkclassRaw - 1f, r.Male ? 1f : 0f,
    }).ToArray();

    internal static IEstimator<ITransformer> Pipeline(MLContext mlContext, MutualAutoencoderEstimator.Options options) =>
        WorkclassKey(mlContext).Append(mlContext.Transforms.MutualAutoencode("Code", Columns, options));

    internal static MutualAutoencoderEstimator.Options Options(bool impute = true)
    {
        var options = Small(new MutualAutoencoderEstimator.Options());
        options.ImputeMissingValues = impute;
        return options;
    }

    /// <summary>Sets the small model and short training of these tests (3 epochs, no minimum), and the table's kind overrides.</summary>
    internal static TOptions Small<TOptions>(TOptions options)
        where TOptions : MutualAutoencoderEstimator.Options
    {
        options.TargetInformation = 2;
        options.LatentDimension = 3;
        options.HiddenSizes = [32];
        options.NumberOfEpochs = 3;
        options.BatchSize = 64;
        options.Seed = 7;
        options.EvaluateEveryEpoch = false;
        options.MinimumNumberOfSteps = 0;
        options.ColumnKinds["Income"] = ColumnKind.Positive;
        options.ColumnKinds["Visits"] = ColumnKind.Count;
        return options;
    }

    /// <summary>The key column Workclass (1..4, 0 missing) from the raw column of the rows, before a Mae step.</summary>
    internal static IEstimator<ITransformer> WorkclassKey(MLContext mlContext) =>
        mlContext.Transforms.Conversion.MapValueToKey("Workclass", nameof(TableRow.WorkclassRaw),
            keyData: mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, Classes).Select(k => new KeyRow { Value = (uint)k })));

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            MLContext = new MLContext(seed: 1);
            Source = Rows(TestSizes.TablePipelineRows, seed: 3);
            Data = MLContext.Data.LoadFromEnumerable(Source);
            Estimator = Pipeline(MLContext, Options());
            Model = new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)Estimator.Fit(Data)).ToArray());
            Step = (MutualAutoencoderTransformer)Model.Last();
        }

        public MLContext MLContext { get; }

        public TableRow[] Source { get; }

        public IDataView Data { get; }

        public IEstimator<ITransformer> Estimator { get; }

        public TransformerChain<ITransformer> Model { get; }

        public MutualAutoencoderTransformer Step { get; }

        public void Dispose() => Step.Dispose();
    }

    [Fact]
    public void TheCodeIsTheTrainedEncodersPosteriorMeanOfRowsWithMissingCells()
    {
        var codes = PipelineData.ReadVectors(fixture.Model.Transform(fixture.Data), "Code");
        var expected = fixture.Step.Model.Encode(ModelRows(fixture.Source));
        Assert.Equal(expected.Length, codes.Length * 3);
        PipelineData.AssertClose(Chunk(expected, 3), codes, 1e-5);
        Assert.Equal(Columns, fixture.Step.InputColumnNames);
        Assert.True(fixture.Step.ImputesMissingValues);
    }

    [Fact]
    public void ImputedColumnsKeepObservedCellsAndTakeTheModelsPredictionForMissingOnes()
    {
        var transformed = fixture.Model.Transform(fixture.Data);
        var predicted = fixture.Step.Model.Impute(ModelRows(fixture.Source));
        var rows = fixture.MLContext.Data.CreateEnumerable<ImputedRow>(transformed, reuseRowObject: false).ToArray();
        Assert.Equal(fixture.Source.Length, rows.Length);
        int missing = 0;
        for (int r = 0; r < rows.Length; r++)
        {
            var source = fixture.Source[r];
            float[] expected = predicted[(r * 7)..((r + 1) * 7)];
            void Cell(double original, double actual, float model, string column)
            {
                if (double.IsNaN(original))
                {
                    missing++;
                    Assert.False(double.IsNaN(actual), $"{column}, row {r}: still missing");
                    Assert.True(Math.Abs(actual - model) <= 1e-4 * Math.Max(1, Math.Abs(model)), $"{column}, row {r}: {actual} against the model's {model}");
                }
                else
                {
                    Assert.Equal(original, actual);
                }
            }
            Cell(source.Age, rows[r].Age[0], expected[0], "Age");
            Cell(source.Income, rows[r].Income[0], expected[1], "Income");
            Cell(source.Body[0], rows[r].Body[0], expected[2], "Body[0]");
            Cell(source.Body[1], rows[r].Body[1], expected[3], "Body[1]");
            Cell(source.Visits, rows[r].Visits[0], expected[4], "Visits");
            uint key = rows[r].Workclass[0];
            if (source.WorkclassRaw == 0)
            {
                missing++;
                Assert.Equal((uint)expected[5] + 1, key);
            }
            else
            {
                Assert.Equal(source.WorkclassRaw, key);
            }
            Assert.Equal(source.Male, rows[r].Male);
        }
        output.WriteLine($"{missing} missing cells imputed");
        Assert.True(missing > rows.Length / 2);
    }

    [Fact]
    public void ImputedColumnsKeepTheirNamesItemTypesAndKeyCountAndTheEstimatorSaysSoBeforeTraining()
    {
        var schema = fixture.Model.GetOutputSchema(fixture.Data.Schema);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1), schema["Age"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Double, 1), schema["Income"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), schema["Body"].Type);
        Assert.Equal(new VectorDataViewType(new KeyDataViewType(typeof(uint), Classes), 1), schema["Workclass"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["Male"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), schema["Code"].Type);
        Assert.DoesNotContain(schema, c => c.Name.Contains("mae_imputed", StringComparison.Ordinal));

        var shape = fixture.Estimator.GetOutputSchema(PipelineWorkoutTests.ShapeOf<TableRow>(fixture.MLContext));
        foreach (var name in Columns.Append("Code"))
        {
            var column = shape.First(c => c.Name == name);
            var type = schema[name].Type;
            Assert.Equal(type is VectorDataViewType, column.Kind != SchemaShape.Column.VectorKind.Scalar);
            Assert.Equal((type is VectorDataViewType vector ? vector.ItemType : type) is KeyDataViewType, column.IsKey);
        }
    }

    [Fact]
    public void SavedPipelineReloadsAndScoresAlike()
    {
        using var stream = new MemoryStream();
        fixture.MLContext.Model.Save(fixture.Model, fixture.Data.Schema, stream);
        stream.Position = 0;
        var loaded = fixture.MLContext.Model.Load(stream, out _);
        var before = fixture.Model.Transform(fixture.Data);
        var after = loaded.Transform(fixture.Data);
        // In memory the graph runs in batches, reloaded one row at a time: other kernels, the same values to float rounding.
        PipelineData.AssertClose(PipelineData.ReadVectors(before, "Code"), PipelineData.ReadVectors(after, "Code"), 1e-5);
        var imputedBefore = fixture.MLContext.Data.CreateEnumerable<ImputedRow>(before, false).ToArray();
        var imputedAfter = fixture.MLContext.Data.CreateEnumerable<ImputedRow>(after, false).ToArray();
        for (int r = 0; r < imputedBefore.Length; r++)
        {
            PipelineData.AssertRelativelyClose(imputedBefore[r].Age.Select(v => (double)v), imputedAfter[r].Age.Select(v => (double)v));
            PipelineData.AssertRelativelyClose(imputedBefore[r].Income, imputedAfter[r].Income);
            Assert.Equal(imputedBefore[r].Workclass, imputedAfter[r].Workclass);
        }
        var expectedSchema = fixture.Model.GetOutputSchema(fixture.Data.Schema);
        Assert.All(loaded.GetOutputSchema(fixture.Data.Schema).Where(c => !c.IsHidden), c => Assert.Equal(expectedSchema[c.Name].Type, c.Type));
    }

    [Fact]
    public void TransformThrowsWhenTheInputGivesOtherValuesUnderTheSameRowIds()
    {
        // An enumerable that draws new rows on every read: LoadFromEnumerable's row ids are positions, so only the values tell.
        int reads = 0;
        IEnumerable<TableRow> Fresh()
        {
            reads++;
            foreach (var row in Rows(40, seed: 100 + reads))
                yield return row;
        }
        var source = fixture.MLContext.Data.LoadFromEnumerable(Fresh());
        var error = Assert.Throws<InvalidOperationException>(() => PipelineData.ReadVectors(fixture.Model.Transform(source), "Code"));
        Assert.Contains("returned different values on two reads of row 0", error.Message);
        Assert.Contains("mlContext.Data.Cache", error.Message);

        // Cached, the source is read once, and every row gets a code.
        Assert.Equal(40, PipelineData.ReadVectors(fixture.Model.Transform(fixture.MLContext.Data.Cache(source)), "Code").Length);
    }

    [Fact]
    public void AShuffledCursorGivesEachRowItsOwnCodeAndImputedCells()
    {
        var cached = fixture.MLContext.Data.Cache(fixture.Data);
        var scored = fixture.Model.Transform(cached);
        var inOrder = PipelineData.ReadVectors(scored, "Code");
        var imputedInOrder = fixture.MLContext.Data.CreateEnumerable<ImputedRow>(scored, false).Select(r => r.Age[0]).ToArray();

        using var cursor = scored.GetRowCursor([scored.Schema["Code"], scored.Schema["Age"]], new Random(5));
        var id = cursor.GetIdGetter();
        var code = cursor.GetGetter<VBuffer<float>>(scored.Schema["Code"]);
        var age = cursor.GetGetter<VBuffer<float>>(scored.Schema["Age"]);
        DataViewRowId rowId = default;
        VBuffer<float> c = default, a = default;
        var order = new List<int>();
        while (cursor.MoveNext())
        {
            id(ref rowId);
            int row = checked((int)rowId.Low);
            order.Add(row);
            code(ref c);
            age(ref a);
            PipelineData.AssertClose([inOrder[row]], [c.DenseValues().ToArray()], 1e-5);   // batches of other rows: other kernels at most
            PipelineData.AssertRelativelyClose([imputedInOrder[row]], [a.GetItemOrDefault(0)]);
        }
        Assert.Equal(Enumerable.Range(0, inOrder.Length), order.Order());
        Assert.NotEqual(Enumerable.Range(0, inOrder.Length), order);
    }

    [Fact]
    public void ExportedTableModelReadsRawColumnsAndMatchesLibtorch()
    {
        var bytes = OnnxRuntimeRunner.ToBytes(stream => fixture.Step.ExportEncoderToOnnx(stream, includeLogVariance: true));
        using var session = new InferenceSession(bytes);
        Assert.Equal(Columns, session.InputMetadata.Keys);
        var source = fixture.Source;
        int n = source.Length;
        using var age = OrtValue.CreateTensorValueFromMemory(source.Select(r => r.Age).ToArray(), [n, 1]);
        using var income = OrtValue.CreateTensorValueFromMemory(source.Select(r => r.Income).ToArray(), [n, 1]);
        using var body = OrtValue.CreateTensorValueFromMemory(source.SelectMany(r => r.Body).ToArray(), [n, 2]);
        using var visits = OrtValue.CreateTensorValueFromMemory(source.Select(r => r.Visits).ToArray(), [n, 1]);
        using var workclass = OrtValue.CreateTensorValueFromMemory(source.Select(r => r.WorkclassRaw).ToArray(), [n, 1]);
        using var male = OrtValue.CreateTensorValueFromMemory(source.Select(r => r.Male).ToArray(), [n, 1]);
        using var runOptions = new RunOptions();
        string[] outputs = [OnnxTensorNames.Mean, OnnxTensorNames.LogVariance, "Age.imputed", "Workclass.imputed", OnnxTensorNames.AnomalyScore];
        using var results = session.Run(runOptions, Columns, [age, income, body, visits, workclass, male], outputs);

        var mean = new float[n * 3];
        var logVariance = new float[n * 3];
        fixture.Step.Model.Encode(ModelRows(source), mean, logVariance);
        PipelineData.AssertClose(Chunk(mean, 3), Chunk(results[0].GetTensorDataAsSpan<float>().ToArray(), 3), 1e-5);
        PipelineData.AssertClose(Chunk(logVariance, 3), Chunk(results[1].GetTensorDataAsSpan<float>().ToArray(), 3), 1e-5);
        var predicted = fixture.Step.Model.Impute(ModelRows(source));
        var ages = results[2].GetTensorDataAsSpan<float>().ToArray();
        var keys = results[3].GetTensorDataAsSpan<uint>().ToArray();
        for (int r = 0; r < n; r++)
        {
            Assert.Equal(predicted[r * 7], ages[r], 1e-4f * Math.Max(1, Math.Abs(predicted[r * 7])));
            Assert.Equal(source[r].WorkclassRaw == 0 ? (uint)predicted[r * 7 + 5] + 1 : source[r].WorkclassRaw, keys[r]);
        }

        // The anomaly score: every kind's log-likelihood of the observed cells and the KL term, in ONNX Runtime as in libtorch.
        var scores = fixture.Step.Model.ScoreAnomalies(ModelRows(source));
        var exported = results[4].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(n, exported.Length);
        for (int r = 0; r < n; r++)
            Assert.Equal(scores[r], exported[r], 1e-4f * Math.Max(1, Math.Abs(scores[r])));
    }

    [SkippableFact]
    public void ExportedTableModelPassesTheOnnxChecker() =>
        OnnxChecker.CheckWritten(path => fixture.Step.ExportEncoderToOnnx(path, includeLogVariance: true), output.WriteLine);

    [Fact]
    public void SmallTablesTrainForAMinimumNumberOfStepsInWholeEpochs()
    {
        // 300 rows: 60 held out, 240 train in batches of 64, so 4 steps an epoch; 2 epochs are 8 steps, the minimum asks 50.
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Rows(300, seed: 9));
        var options = Options(impute: false);
        options.HiddenSizes = [8];
        options.NumberOfEpochs = 2;
        options.MinimumNumberOfSteps = 50;
        options.Context = mlContext;
        var messages = new List<string>();
        mlContext.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        using var step = (MutualAutoencoderTransformer)((IEnumerable<ITransformer>)Pipeline(mlContext, options).Fit(data)).Last();
        Assert.Equal(13, step.Report.Epochs.Count);
        Assert.Equal(52, step.Report.Final.Step);
        // The log counts the epochs the run trains, and says why they are more than asked.
        Assert.Contains(messages, m => m.Contains("2 epochs of batch 64, or more to reach MinimumNumberOfSteps = 50 steps", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Epoch 13/13:", StringComparison.Ordinal));
        Assert.All(step.Report.Epochs, e => Assert.Equal(13, e.NumberOfEpochs));

        // The default: 1,000 steps for a table, none for one column (its epochs stay as they were).
        var defaults = new MutualAutoencoderOptions();
        Assert.Equal(20, defaults.EffectiveNumberOfEpochs(batchesPerEpoch: 4));
        defaults.Table = new Modeling.Columns.TableSpecification([new("A", ColumnKind.Real)]);
        Assert.Equal(250, defaults.EffectiveNumberOfEpochs(batchesPerEpoch: 4));
        Assert.Equal(20, defaults.EffectiveNumberOfEpochs(batchesPerEpoch: 196));
        Assert.Contains("MinimumNumberOfSteps", Assert.Throws<ArgumentOutOfRangeException>(
            () => mlContext.Transforms.MutualAutoencode("Code", Columns, new MutualAutoencoderEstimator.Options { MinimumNumberOfSteps = -1 })).Message);
    }

    [Fact]
    public void LargeTablesStopAtAMaximumNumberOfStepsInsideAnEpoch()
    {
        // 300 rows: 240 train in batches of 64, 4 steps an epoch; 5 epochs are 20 steps, the maximum allows 10: 2 whole epochs and 2 steps.
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Rows(300, seed: 9));
        var options = Options(impute: false);
        options.HiddenSizes = [8];
        options.NumberOfEpochs = 5;
        options.MinimumNumberOfSteps = 0;
        options.MaximumNumberOfSteps = 10;
        options.Context = mlContext;
        var messages = new List<string>();
        mlContext.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        using var step = (MutualAutoencoderTransformer)((IEnumerable<ITransformer>)Pipeline(mlContext, options).Fit(data)).Last();
        Assert.Equal([4L, 8L, 10L], step.Report.Epochs.Select(e => e.Step));
        Assert.All(step.Report.Epochs, e => Assert.Equal(3, e.NumberOfEpochs));
        Assert.True(double.IsFinite(step.Report.Final.AggregatePosteriorInformation), "The cut epoch is evaluated like any last epoch.");
        Assert.Contains(messages, m => m.Contains("5 epochs of batch 64, cut at MaximumNumberOfSteps = 10 steps", StringComparison.Ordinal));

        // The defaults: at most 2,000 steps for a table (raised to a larger minimum), no limit for one column.
        var defaults = new MutualAutoencoderOptions();
        Assert.Equal(20 * 196L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 196));
        Assert.Equal(20L * 100_000, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 100_000));
        defaults.Table = new Modeling.Columns.TableSpecification([new("A", ColumnKind.Real)]);
        Assert.Equal(2000L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 196));
        Assert.Equal(2000L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 100_000));
        Assert.Equal(1000L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 4));
        defaults.MinimumNumberOfSteps = 3000;
        Assert.Equal(3000L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 196));
        // A maximum set below the default minimum lowers it: 500 steps, not 1,000 cut to 500 with a log that says both.
        defaults.MinimumNumberOfSteps = null;
        defaults.MaximumNumberOfSteps = 500;
        Assert.Equal(500, defaults.EffectiveMinimumNumberOfSteps);
        Assert.Equal(500L, defaults.EffectiveNumberOfSteps(batchesPerEpoch: 4));

        // A maximum below the minimum, or not positive, names the option and both values.
        var conflict = Assert.Throws<ArgumentOutOfRangeException>(() => mlContext.Transforms.MutualAutoencode("Code", Columns,
            new MutualAutoencoderEstimator.Options { MinimumNumberOfSteps = 500, MaximumNumberOfSteps = 400 }));
        Assert.Contains("MaximumNumberOfSteps", conflict.Message);
        Assert.Contains("MinimumNumberOfSteps (500)", conflict.Message);
        Assert.Contains("400", conflict.Message);
        Assert.Contains("MaximumNumberOfSteps", Assert.Throws<ArgumentOutOfRangeException>(
            () => mlContext.Transforms.MutualAutoencode("Code", Columns, new MutualAutoencoderEstimator.Options { MaximumNumberOfSteps = 0 })).Message);
    }

    [Fact]
    public void TheDiagnosticsReadTheTable()
    {
        // Through the step's column reader, the figures equal the model's on the same rows written by hand.
        var heldRows = Rows(300, seed: 11);
        var mapped = fixture.Model.First().Transform(fixture.MLContext.Data.LoadFromEnumerable(heldRows));
        var information = fixture.Step.EvaluateInformation(mapped);
        var expected = fixture.Step.Model.EvaluateInformation(ModelRows(heldRows));
        Assert.Equal(300, information.RowCount);
        Assert.Equal(expected.AggregatePosteriorInformation, information.AggregatePosteriorInformation);
        Assert.Equal(expected.Rate, information.Rate);
        double logLikelihood = fixture.Step.EstimateLogLikelihood(mapped, samples: 20);
        Assert.Equal(fixture.Step.Model.EstimateLogLikelihood(ModelRows(heldRows), samples: 20), logLikelihood);
        Assert.True(double.IsFinite(logLikelihood));
    }

    [Theory]
    [InlineData("When", "Schema mismatch for input column 'When': expected Single, Double, an integer type, Key<UInt32> or Boolean")]
    [InlineData("Text", "Schema mismatch for input column 'Text'")]
    [InlineData("Nowhere", "Could not find input column 'Nowhere'")]
    public void ColumnsOfOtherTypesAreRefusedByNameBeforeAndAtFit(string column, string expected)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new OddRow { Value = 1, Count = 2, Text = "a" }, new OddRow { Value = 2, Count = 3, Text = "b" } });
        var options = Options(impute: false);
        options.ColumnKinds.Clear();
        var estimator = mlContext.Transforms.MutualAutoencode("Code", ["Value", column], options);
        Assert.Contains(expected, Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(PipelineWorkoutTests.ShapeOf<OddRow>(mlContext))).Message);
        Assert.Contains(expected, Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data)).Message);
    }

    [Fact]
    public void IntegerColumnsAreCountsByDefaultReadInTheirOwnTypesAndNeverImputed()
    {
        var mlContext = new MLContext(seed: 1);
        var random = new Random(12);
        var rows = Enumerable.Range(0, 300).Select(i =>
        {
            double a = random.NextDouble() * 2;
            return new IntegerRow
            {
                Value = i % 7 == 0 ? float.NaN : (float)(a + 0.1 * random.NextDouble()),
                Visits = (int)Math.Round(3 * a),
                Year = 1990 + (long)Math.Round(10 * a),
                Pair = [(ushort)Math.Round(2 * a), (ushort)random.Next(3)],
            };
        }).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = Small(new MutualAutoencoderEstimator.Options { ImputeMissingValues = true, ScoreColumnName = "Score" });
        options.ColumnKinds.Clear();
        options.ColumnKinds["Year"] = ColumnKind.Real;
        using var step = mlContext.Transforms.MutualAutoencode("Code", ["Value", "Visits", "Year", "Pair"], options).Fit(data);
        var kinds = step.Model.Report;   // trained
        var transformed = step.Transform(data);
        // Integers keep their column and type: they have no missing cell to impute. The Single column is imputed.
        Assert.Equal(NumberDataViewType.Int32, transformed.Schema["Visits"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.UInt16, 2), transformed.Schema["Pair"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1), transformed.Schema["Value"].Type);

        // The graph reads int32, int64 and uint16 inputs; codes and scores equal the libtorch model's on the same rows as floats.
        var modelRows = rows.SelectMany(r => new[] { r.Value, r.Visits, r.Year, r.Pair[0], (float)r.Pair[1] }).ToArray();
        var expected = step.Model.Encode(modelRows);
        var codes = PipelineData.ReadVectors(transformed, "Code");
        var scores = PipelineData.ReadVectors(transformed, "Score");
        var expectedScores = step.Model.ScoreAnomalies(modelRows);
        for (int r = 0; r < rows.Length; r++)
        {
            for (int j = 0; j < 3; j++)
                Assert.Equal(expected[r * 3 + j], codes[r][j], 1e-5f);
            Assert.Equal(expectedScores[r], scores[r][0], 1e-4f * Math.Max(1, Math.Abs(expectedScores[r])));
        }
        Assert.NotNull(kinds);

        // A negative count is named, not dropped.
        rows[5].Visits = -2;
        var error = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", ["Value", "Visits", "Year", "Pair"], options).Fit(mlContext.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 5, column 'Visits': the value -2 must be a whole number ≥ 0 for a count column", error.Message);
    }

    [Fact]
    public void OptionsThatCannotApplyAreRefusedWithTheirNames()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Rows(20, seed: 1));
        var unknown = Options();
        unknown.ColumnKinds["Height"] = ColumnKind.Real;
        Assert.Contains("names column 'Height', which is not an input column",
            Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", Columns, unknown)).Message);

        var wrongKind = Options();
        wrongKind.ColumnKinds.Clear();
        wrongKind.ColumnKinds["Age"] = ColumnKind.Categorical;
        var message = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", ["Age", "Male"], wrongKind).Fit(data)).Message;
        Assert.Contains("makes column 'Age' Categorical, but it holds Single values", message);

        var family = Options();
        family.Decoder = DecoderFamily.Bernoulli;
        Assert.Contains("Decoder is Bernoulli", Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", Columns, family)).Message);
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", ["Age", "Age"], Options(false))).Message);
        Assert.Contains("must differ from every input column",
            Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Age", ["Age", "Male"], Options(false))).Message);
    }

    [Fact]
    public void BadValuesAndEmptyRowsAreNamedNotDropped()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = Rows(200, seed: 5);
        rows[17].Income = -3;
        var negative = Assert.Throws<ArgumentException>(() => Pipeline(mlContext, Options()).Fit(mlContext.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 17, column 'Income': the value -3 must be finite and above 0 for a positive column", negative.Message);

        rows = Rows(200, seed: 5);
        foreach (var row in rows)
            row.Age = 1;
        rows[23].Age = float.NaN;
        var options = Options(false);
        options.ColumnKinds.Clear();
        var empty = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", ["Age"], options).Fit(mlContext.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 23: every cell is missing ('Age')", empty.Message);
    }

    private static float[][] Chunk(float[] values, int width) => values.Chunk(width).ToArray();

    /// <summary>A row of the table (not sealed: <see cref="AnomalyDetectionTests.LabelledRow"/> adds a label).</summary>
    public class TableRow
    {
        public float Age { get; set; }

        public double Income { get; set; }

        [VectorType(2)]
        public float[] Body { get; set; } = [];

        public float Visits { get; set; }

        public uint WorkclassRaw { get; set; }

        public bool Male { get; set; }
    }

    public sealed class ImputedRow
    {
        [VectorType(1)]
        public float[] Age { get; set; } = [];

        [VectorType(1)]
        public double[] Income { get; set; } = [];

        [VectorType(2)]
        public float[] Body { get; set; } = [];

        [VectorType(1)]
        public float[] Visits { get; set; } = [];

        /// <summary>Raw key values, read through a getter of UInt32 (1..K).</summary>
        [VectorType(1)]
        [KeyType(Classes)]
        public uint[] Workclass { get; set; } = [];

        public bool Male { get; set; }
    }

    private sealed class KeyRow
    {
        public uint Value { get; set; }
    }

    public sealed class OddRow
    {
        public float Value { get; set; }

        public int Count { get; set; }

        public string Text { get; set; } = "";

        public DateTime When { get; set; }
    }

    public sealed class IntegerRow
    {
        public float Value { get; set; }

        public int Visits { get; set; }

        public long Year { get; set; }

        [VectorType(2)]
        public ushort[] Pair { get; set; } = [];
    }
}
