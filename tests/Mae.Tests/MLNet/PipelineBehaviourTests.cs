using Mae.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Tests.MLNet;

/// <summary>The ML.NET step's options, input checks, scoring paths, concurrency, cancellation and logging.</summary>
public sealed class PipelineBehaviourTests
{
    [Fact]
    public void SimpleOverloadMapsArgumentsOntoOptions()
    {
        var mlContext = new MLContext(seed: 1);
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Pixels", targetInformation: 7.5, latentDimension: 9,
            decoder: DecoderFamily.Bernoulli, numberOfEpochs: 4, seed: 123);

        Assert.Equal("Code", estimator.OutputColumnName);
        Assert.Equal("Pixels", estimator.InputColumnName);
        var options = estimator.TrainingOptions;
        Assert.Equal(7.5, options.TargetInformation);
        Assert.Equal(9, options.LatentDimension);
        Assert.Equal(DecoderFamily.Bernoulli, options.Decoder);
        Assert.Equal(4, options.NumberOfEpochs);
        Assert.Equal(123, options.Seed);
        // Everything else keeps its default.
        var defaults = new MutualAutoencoderEstimator.Options();
        Assert.Equal(defaults.Objective, options.Objective);
        Assert.Equal(defaults.Penalty, options.Penalty);
        Assert.Equal(defaults.HiddenSizes, options.HiddenSizes);
        Assert.Equal(defaults.BatchSize, options.BatchSize);
        Assert.Equal(defaults.LearningRate, options.LearningRate);
        Assert.Equal(defaults.ShuffleBufferSize, options.ShuffleBufferSize);
        Assert.Null(options.LogVarianceColumnName);
    }

    [Fact]
    public void OptionsOverloadCopiesTheOptions()
    {
        var mlContext = new MLContext(seed: 1);
        var options = new MutualAutoencoderEstimator.Options
        {
            TargetInformation = 3,
            Objective = MutualAutoencoderObjective.VariationalAutoencoder,
            Penalty = InformationPenalty.Adaptive,
            HiddenSizes = [8, 4],
            BatchSize = 17,
            LearningRate = 0.01,
            NumberOfThreads = 2,
            ShuffleBufferSize = 99,
            LogVarianceColumnName = "Spread",
        };
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Features", options);
        options.TargetInformation = 100;
        options.HiddenSizes = [1];

        var copy = estimator.TrainingOptions;
        Assert.Equal(3, copy.TargetInformation);
        Assert.Equal(MutualAutoencoderObjective.VariationalAutoencoder, copy.Objective);
        Assert.Equal(InformationPenalty.Adaptive, copy.Penalty);
        Assert.Equal([8, 4], copy.HiddenSizes);
        Assert.Equal(17, copy.BatchSize);
        Assert.Equal(0.01, copy.LearningRate);
        Assert.Equal(2, copy.NumberOfThreads);
        Assert.Equal(99, copy.ShuffleBufferSize);
        Assert.Equal("Spread", copy.LogVarianceColumnName);
    }

    [Fact]
    public void BadOptionsAndColumnNamesThrowWhenTheEstimatorIsCreated()
    {
        var mlContext = new MLContext(seed: 1);
        var buffer = Assert.Throws<ArgumentOutOfRangeException>(() =>
            mlContext.Transforms.MutualAutoencode("Code", "Features", new MutualAutoencoderEstimator.Options { ShuffleBufferSize = 0 }));
        Assert.Contains("ShuffleBufferSize must be positive; got 0", buffer.Message);
        var epochs = Assert.Throws<ArgumentOutOfRangeException>(() => mlContext.Transforms.MutualAutoencode("Code", "Features", numberOfEpochs: -1));
        Assert.Contains("NumberOfEpochs must be positive; got -1", epochs.Message);
        var same = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Features", "Features"));
        Assert.Contains("must differ from the input column name ('Features')", same.Message);
        Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Features"));
        var spread = Assert.Throws<ArgumentException>(() =>
            mlContext.Transforms.MutualAutoencode("Code", "Features", new MutualAutoencoderEstimator.Options { LogVarianceColumnName = "Code" }));
        Assert.Contains("LogVarianceColumnName ('Code')", spread.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void NonFiniteValueNamesTheColumnRowAndSlot(float bad, string shown)
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(50);
        rows[37].Features[4] = bad;
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick());

        var error = Assert.Throws<ArgumentException>(() => estimator.Fit(PipelineData.Load(mlContext, rows)));
        Assert.Contains("column 'Features', row 37, slot 4", error.Message);
        Assert.Contains(shown, error.Message);
    }

    [Fact]
    public void ValueOutsideTheDecoderFamilyNamesTheColumnAndRow()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(40);
        foreach (var row in rows)
            row.Features = row.Features.Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
        rows[12].Features[2] = 1.5f;
        var options = PipelineData.Quick();
        options.Decoder = DecoderFamily.Bernoulli;
        options.ShuffleBufferSize = 1000;

        var error = Assert.Throws<ArgumentException>(() =>
            mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(PipelineData.Load(mlContext, rows)));
        Assert.Contains("column 'Features', row 12", error.Message);
        Assert.Contains("1.5", error.Message);
    }

    [Fact]
    public void EmptyDataThrowsAndFewerRowsThanABatchStillTrain()
    {
        var mlContext = new MLContext(seed: 1);
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 2));
        var empty = Assert.Throws<ArgumentException>(() => estimator.Fit(PipelineData.Load(mlContext, [])));
        Assert.Contains("no rows", empty.Message);
        Assert.Contains("'Features'", empty.Message);

        var few = PipelineData.Load(mlContext, PipelineData.Rows(5));
        using var transformer = estimator.Fit(few);
        Assert.Equal(2, transformer.Report.Epochs.Count);
        Assert.Equal(2, transformer.Report.Final.Step);
        Assert.Equal(5, PipelineData.ReadVectors(transformer.Transform(few), "Code").Length);
    }

    [Fact]
    public void ShuffleBufferVisitsEveryRowOncePerEpochInANewOrder()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(1000);
        var data = PipelineData.Load(mlContext, rows);
        var column = InputColumn.FromSchema(data.Schema, "Features", DecoderFamily.Gaussian);
        var training = new DataViewTrainingData(data, column, bufferRows: 100, CancellationToken.None);
        var random = new Random(3);

        var firstEpoch = new List<long>();
        foreach (var batch in training.GetBatches(64, random))
        {
            for (int r = 0; r < batch.Rows; r++)
            {
                long row = batch.RowNumbers![r];
                firstEpoch.Add(row);
                Assert.Equal(rows[row].Features, batch.Values.AsSpan(r * PipelineData.Width, PipelineData.Width).ToArray());
            }
        }
        var secondEpoch = training.GetBatches(64, random).SelectMany(b => b.RowNumbers!.Take(b.Rows).ToArray()).ToList();

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), firstEpoch.Order());
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), secondEpoch.Order());
        Assert.NotEqual(firstEpoch, secondEpoch);
        // A buffer of 100 rows moves rows far from their place: the order is not close to sequential.
        Assert.True(firstEpoch.Zip(firstEpoch.Skip(1)).Count(p => p.Second == p.First + 1) < 50);
        Assert.Equal(16, training.BatchesPerEpoch(64));
    }

    [Fact]
    public void BatchedTransformRowMapperAndLibtorchForwardAgree()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(1000, seed: 4);
        var data = PipelineData.Load(mlContext, rows);
        var options = PipelineData.Quick(epochs: 2);
        options.LogVarianceColumnName = "LogVariance";
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(data);

        var transformed = transformer.Transform(data);
        var code = PipelineData.ReadVectors(transformed, "Code");
        var logVariance = PipelineData.ReadVectors(transformed, "LogVariance");

        var flat = rows.SelectMany(r => r.Features).ToArray();
        var mean = new float[rows.Length * 3];
        var variance = new float[rows.Length * 3];
        transformer.Model.Encode(flat, mean, variance);
        PipelineData.AssertClose(mean.Chunk(3).ToArray(), code, 1e-5);
        PipelineData.AssertClose(variance.Chunk(3).ToArray(), logVariance, 1e-5);

        using var engine = mlContext.Model.CreatePredictionEngine<PipelineData.Row, CodeRow>(transformer, inputSchemaDefinition: PipelineData.Definition());
        var predicted = rows.Select(r => engine.Predict(r).Code).ToArray();
        PipelineData.AssertClose(code, predicted, 1e-5);

        // A cursor over passed-through columns alone needs no encoding, and one over the code alone gives the same code.
        using (var cursor = transformed.GetRowCursor([transformed.Schema["Value"]]))
        {
            var value = cursor.GetGetter<float>(transformed.Schema["Value"]);
            float v = 0;
            int count = 0;
            while (cursor.MoveNext())
            {
                value(ref v);
                Assert.Equal(rows[count++].Value, v);
            }
            Assert.Equal(rows.Length, count);
        }
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var cursor = transformed.GetRowCursor([transformed.Schema["Value"]]);
            cursor.GetGetter<VBuffer<float>>(transformed.Schema["Code"]);
        });
    }

    [Fact]
    public void PredictionEnginesOnSeveralThreadsGiveTheSameCodes()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(400, seed: 9);
        var data = PipelineData.Load(mlContext, rows);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1)).Fit(data);
        var expected = PipelineData.ReadVectors(transformer.Transform(data), "Code");

        // The PredictionEnginePool pattern: one engine per thread over the shared transformer.
        var results = new float[8][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            // OwnsTransformer = false: by default a prediction engine disposes its transformer when it is disposed.
            using var engine = mlContext.Model.CreatePredictionEngine<PipelineData.Row, CodeRow>(transformer,
                new PredictionEngineOptions { OwnsTransformer = false, InputSchemaDefinition = PipelineData.Definition() });
            var order = Enumerable.Range(0, rows.Length).Select(i => (i * (t + 3)) % rows.Length).Distinct().ToArray();
            var mine = new float[rows.Length][];
            foreach (int i in order)
                mine[i] = engine.Predict(rows[i]).Code;
            results[t] = mine;
        });

        foreach (var result in results)
        {
            var covered = Enumerable.Range(0, rows.Length).Where(i => result[i] is not null).ToArray();
            Assert.NotEmpty(covered);
            PipelineData.AssertClose(covered.Select(i => expected[i]).ToArray(), covered.Select(i => result[i]).ToArray(), 1e-5);
        }

        // Several cursors of the batched Transform at once also agree.
        var transformed = transformer.Transform(data);
        var parallel = new float[4][][];
        Parallel.For(0, parallel.Length, t => parallel[t] = PipelineData.ReadVectors(transformed, "Code"));
        foreach (var codes in parallel)
            PipelineData.AssertClose(expected, codes, 0);
    }

    [Fact]
    public void KeyColumnTrainsTheCategoricalDecoderAndSurvivesSaveAndLoad()
    {
        var mlContext = new MLContext(seed: 1);
        var random = new Random(2);
        // LoadFromEnumerable reads a key field as a 0-based index (ML.NET stores it as key k = index + 1; 0 is missing).
        var keys = Enumerable.Range(0, 600).Select(_ => (uint)random.Next(0, 4)).ToArray();
        var data = PipelineData.LoadKeys(mlContext, keys, 4);
        var options = PipelineData.Quick(latentDimension: 1, epochs: 3);
        options.Decoder = DecoderFamily.Categorical;
        options.NumberOfClasses = 0; // taken from the key's count
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Class", options).Fit(data);
        Assert.Equal(4, transformer.Model.NumberOfClasses);

        var transformed = transformer.Transform(data);
        PipelineData.AssertCodeColumn(transformed.Schema, "Code", 1);
        var code = PipelineData.ReadVectors(transformed, "Code");
        var mean = transformer.Model.Encode(keys.Select(k => (float)k).ToArray());
        PipelineData.AssertClose(mean.Chunk(1).ToArray(), code, 1e-5);

        // The saved step is ML.NET's ONNX transformer, which passes a key as a [1, 1] tensor.
        using var stream = new MemoryStream();
        mlContext.Model.Save(transformer, data.Schema, stream);
        stream.Position = 0;
        var loaded = mlContext.Model.Load(stream, out _);
        var reloaded = loaded.Transform(data);
        PipelineData.AssertCodeColumn(reloaded.Schema, "Code", 1);
        PipelineData.AssertClose(code, PipelineData.ReadVectors(reloaded, "Code"), 1e-5);

        var missing = keys.ToArray();
        missing[21] = 9; // out of range: a missing key
        var error = Assert.Throws<ArgumentException>(() =>
            mlContext.Transforms.MutualAutoencode("Code", "Class", options).Fit(PipelineData.LoadKeys(mlContext, missing, 4)));
        Assert.Contains("column 'Class', row 21: the key is missing", error.Message);

        options.NumberOfClasses = 7;
        var count = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", "Class", options).Fit(data));
        Assert.Contains("NumberOfClasses is 7", count.Message);
    }

    [Fact]
    public void SingleColumnsTrainAsOneFeatureOrAsAClassIndex()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(300, seed: 6);
        var data = PipelineData.Load(mlContext, rows);
        using (var transformer = mlContext.Transforms.MutualAutoencode("Code", "Value", PipelineData.Quick(latentDimension: 1, epochs: 2)).Fit(data))
        {
            var code = PipelineData.ReadVectors(transformer.Transform(data), "Code");
            var mean = transformer.Model.Encode(rows.Select(r => r.Value).ToArray());
            PipelineData.AssertClose(mean.Chunk(1).ToArray(), code, 1e-5);

            // A prediction engine goes through ML.NET's ONNX transformer, which passes a Single as a [1, 1] tensor.
            using var engine = mlContext.Model.CreatePredictionEngine<PipelineData.Row, CodeRow>(transformer,
                new PredictionEngineOptions { OwnsTransformer = false, InputSchemaDefinition = PipelineData.Definition() });
            PipelineData.AssertCodeColumn(engine.OutputSchema, "Code", 1);
            PipelineData.AssertClose(code.Take(50).ToArray(), rows.Take(50).Select(r => engine.Predict(r).Code).ToArray(), 1e-5);
        }

        // A Single column for the categorical decoder holds class indices 0..K−1 and needs the class count.
        var options = PipelineData.Quick(latentDimension: 1, epochs: 2);
        options.Decoder = DecoderFamily.Categorical;
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Label", options);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("NumberOfClasses must be at least 2 for the categorical decoder on input column 'Label'", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(PipelineWorkoutTests.ShapeOf<PipelineData.Row>(mlContext, PipelineData.Definition())));

        options.NumberOfClasses = 2;
        using var classes = mlContext.Transforms.MutualAutoencode("Code", "Label", options).Fit(data);
        var codes = PipelineData.ReadVectors(classes.Transform(data), "Code");
        Assert.Equal(2, codes.Select(c => c[0]).Distinct().Count());
    }

    [Fact]
    public void MultiDimensionalVectorsTrainAndStepsStack()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(200, seed: 8);
        var definition = PipelineData.Definition();
        definition[nameof(PipelineData.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2, 3);
        var data = mlContext.Data.LoadFromEnumerable(rows, definition);

        // The second step reads the first one's Vector<Single, d> output.
        var pipeline = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1))
            .Append(mlContext.Transforms.MutualAutoencode("Code2", "Code", PipelineData.Quick(latentDimension: 2, epochs: 1)));
        var model = pipeline.Fit(data);
        try
        {
            var code = PipelineData.ReadVectors(model.Transform(data), "Code");
            var second = PipelineData.ReadVectors(model.Transform(data), "Code2");
            var first = (MutualAutoencoderTransformer)model.First();
            PipelineData.AssertClose(first.Model.Encode(rows.SelectMany(r => r.Features).ToArray()).Chunk(3).ToArray(), code, 1e-5);
            Assert.Equal(rows.Length, second.Length);
            Assert.All(second, c => Assert.Equal(2, c.Length));
        }
        finally
        {
            foreach (var step in model)
                (step as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void ShufflingCursorsKeepEachCodeWithItsRow()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(700, seed: 12);
        var data = mlContext.Data.Cache(PipelineData.Load(mlContext, rows));
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1)).Fit(data);
        var transformed = transformer.Transform(data);
        Assert.True(transformed.CanShuffle);
        var expected = PipelineData.ReadVectors(transformed, "Code");
        var byValue = rows.Select((r, i) => (r.Value, i)).ToDictionary(p => p.Value, p => p.i);

        using var cursor = transformed.GetRowCursor(transformed.Schema, new Random(5));
        var value = cursor.GetGetter<float>(transformed.Schema["Value"]);
        var code = cursor.GetGetter<VBuffer<float>>(transformed.Schema["Code"]);
        float v = 0;
        VBuffer<float> c = default;
        var seen = new List<int>();
        while (cursor.MoveNext())
        {
            value(ref v);
            code(ref c);
            int row = byValue[v];
            seen.Add(row);
            PipelineData.AssertClose([expected[row]], [c.DenseValues().ToArray()], 1e-5);
        }
        Assert.Equal(Enumerable.Range(0, rows.Length), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, rows.Length), seen);
        Assert.Throws<InvalidOperationException>(() => code(ref c));
    }

    [Fact]
    public void TransformThrowsWhenTheInputGivesOtherRowsOnASecondRead()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(300, seed: 13);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1))
            .Fit(PipelineData.Load(mlContext, rows));
        var source = new ReshufflingView(rows);

        // Each cursor of the source gives the rows in a new order: the codes would belong to other rows.
        var error = Assert.Throws<InvalidOperationException>(() => PipelineData.ReadVectors(transformer.Transform(source), "Code"));
        Assert.Contains("returned different rows on two reads of the same position: row 0 has id ", error.Message);
        Assert.Contains("mlContext.Data.Cache", error.Message);
        Assert.Contains("AppendCacheCheckpoint", error.Message);
        // Columns passed through need no second read, so they are not checked.
        Assert.Equal(rows.Length, PipelineData.ReadVectors(transformer.Transform(source), "Features").Length);

        // Cached, the source is read once, and every code is its row's.
        var cached = transformer.Transform(mlContext.Data.Cache(source));
        var features = PipelineData.ReadVectors(cached, "Features");
        var code = PipelineData.ReadVectors(cached, "Code");
        Assert.Equal(rows.Length, code.Length);
        PipelineData.AssertClose(transformer.Model.Encode(features.SelectMany(f => f).ToArray()).Chunk(3).ToArray(), code, 1e-5);
    }

    [Fact]
    public void ViewsThatRepeatTheirRowsPassTheRowCheck()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(2500, seed: 14);
        var data = PipelineData.Load(mlContext, rows);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1)).Fit(data);
        var filtered = mlContext.Data.FilterRowsByColumn(data, "Value", lowerBound: -0.5, upperBound: 1.5);
        var kept = rows.Where(r => r.Value is >= -0.5f and < 1.5f).ToArray();
        Assert.InRange(kept.Length, 1000, 2000);

        var views = new (string Name, IDataView View, PipelineData.Row[] Rows)[]
        {
            ("in-memory", data, rows),
            ("cached", mlContext.Data.Cache(data), rows),
            ("filtered", filtered, kept),
            ("cached and filtered", mlContext.Data.Cache(filtered), kept),
        };
        foreach (var (name, view, expectedRows) in views)
        {
            var code = PipelineData.ReadVectors(transformer.Transform(view), "Code");
            var expected = transformer.Model.Encode(expectedRows.SelectMany(r => r.Features).ToArray()).Chunk(3).ToArray();
            Assert.True(expected.Length == code.Length, $"{name}: {code.Length} codes for {expected.Length} rows.");
            PipelineData.AssertClose(expected, code, 1e-5);
        }
    }

    [Fact]
    public void ReadingCodesAllocatesNothingPerRow()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(12_288, seed: 15);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1))
            .Fit(PipelineData.Load(mlContext, rows.Take(500).ToArray()));

        long AllocatedReading(int count)
        {
            var transformed = transformer.Transform(PipelineData.Load(mlContext, rows.Take(count).ToArray()));
            var column = transformed.Schema["Code"];
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (var cursor = transformed.GetRowCursor([column]))
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                VBuffer<float> code = default;
                while (cursor.MoveNext())
                    getter(ref code);
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        AllocatedReading(2048); // warm up
        // The difference cancels the cost of a cursor and its first batches; what is left are 8,192 rows in 8 batches.
        double perRow = (AllocatedReading(12_288) - AllocatedReading(4096)) / 8192.0;
        Assert.True(perRow < 16, $"Reading a code allocates {perRow:F1} bytes per row.");
    }

    [Fact]
    public void TrainerRejectsACategoricalModelWithoutClassCount()
    {
        var options = new MutualAutoencoderEstimator.Options { Decoder = DecoderFamily.Categorical };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MutualAutoencoderTrainer(options));
        Assert.Contains("NumberOfClasses must be at least 2", error.Message);
    }

    [Fact]
    public void AViewOfADisposedTransformerThrowsObjectDisposed()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.Load(mlContext, PipelineData.Rows(50));
        var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1)).Fit(data);
        var transformed = transformer.Transform(data);
        transformer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => PipelineData.ReadVectors(transformed, "Code"));
        Assert.Throws<ObjectDisposedException>(() => transformer.Transform(data));
    }

    [Fact]
    public void CancellationStopsTrainingAfterTheCurrentStep()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.Load(mlContext, PipelineData.Rows(200));
        using var source = new CancellationTokenSource();
        var reports = new List<MutualAutoencoderEpochReport>();
        var options = PipelineData.Quick(epochs: 50);
        options.CancellationToken = source.Token;
        options.Progress = new Callback(report =>
        {
            reports.Add(report);
            source.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() => mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(data));
        Assert.Single(reports);

        reports.Clear();
        Assert.ThrowsAny<OperationCanceledException>(() => mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(data));
        Assert.Empty(reports);
    }

    [Fact]
    public void EpochsAreLoggedThroughTheContextAndReportedThroughProgress()
    {
        var mlContext = new MLContext(seed: 1);
        var messages = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (messages)
                messages.Add(e.Message);
        };
        var reports = new List<MutualAutoencoderEpochReport>();
        var options = PipelineData.Quick(epochs: 2);
        options.Context = mlContext;
        options.Progress = new Callback(reports.Add);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(PipelineData.Load(mlContext, PipelineData.Rows(100)));

        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
        string[] epochLines;
        lock (messages)
            epochLines = messages.Where(m => m.Contains("Epoch ")).ToArray();
        Assert.Equal(2, epochLines.Length);
        Assert.Contains("Epoch 2/2: ELBO", epochLines[1]);
        Assert.Contains("information bound", epochLines[1]);
        Assert.Contains("(target 2)", epochLines[1]);
        Assert.Contains(messages, m => m.Contains("on column 'Features' (Vector<Single, 6>, 100 rows)"));
    }

    public sealed class CodeRow
    {
        public float[] Code = [];
    }

    private sealed class Callback(Action<MutualAutoencoderEpochReport> action) : IProgress<MutualAutoencoderEpochReport>
    {
        public void Report(MutualAutoencoderEpochReport value) => action(value);
    }

    /// <summary>
    /// A source that is not repeatable: every cursor gives the rows in a new order, each with its own row's id (its index),
    /// as a view that shuffles on every read without being asked would.
    /// </summary>
    private sealed class ReshufflingView(PipelineData.Row[] rows) : IDataView
    {
        private readonly Random orders = new(21);

        private PipelineData.Row[] Rows { get; } = rows;

        public DataViewSchema Schema { get; } = PipelineData.Load(new MLContext(seed: 1), []).Schema;

        public bool CanShuffle => false;

        public long? GetRowCount() => Rows.Length;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            int[] order = Enumerable.Range(0, Rows.Length).ToArray();
            lock (orders)
                orders.Shuffle(order);
            return new Cursor(this, order, columnsNeeded.Select(c => c.Index).ToHashSet());
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(ReshufflingView parent, int[] order, HashSet<int> active) : DataViewRowCursor
        {
            private long position = -1;

            public override long Position => position;

            public override long Batch => 0;

            public override DataViewSchema Schema => parent.Schema;

            private PipelineData.Row Current => parent.Rows[order[position]];

            public override bool MoveNext() => ++position < order.Length;

            public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

            public override ValueGetter<DataViewRowId> GetIdGetter() =>
                (ref DataViewRowId id) => id = new DataViewRowId((ulong)order[position], 0);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                Delegate getter = column.Name switch
                {
                    nameof(PipelineData.Row.Features) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                    {
                        var editor = VBufferEditor.Create(ref value, PipelineData.Width);
                        Current.Features.CopyTo(editor.Values);
                        value = editor.Commit();
                    }),
                    nameof(PipelineData.Row.Value) => (ValueGetter<float>)((ref float value) => value = Current.Value),
                    _ => (ValueGetter<float>)((ref float value) => value = Current.Label),
                };
                return (ValueGetter<TValue>)getter;
            }
        }
    }
}
