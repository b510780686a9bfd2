using Mae.Export;
using Microsoft.ML.OnnxRuntime;

namespace Mae.Export.Tests;

/// <summary>Signature and metadata of the exported models, as ONNX Runtime reads them.</summary>
public sealed class ModelMetadataTests
{
    [Fact]
    public void EncoderHasSymbolicBatchDimensionAndFixedWidths()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 1, InputPreprocessingKind.Standardization, HiddenActivation.Tanh);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, new OnnxExportOptions { IncludeLogVariance = true }));

        using var session = new InferenceSession(model);

        NodeMetadata input = Assert.Single(session.InputMetadata, kv => kv.Key == OnnxTensorNames.Features).Value;
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal([-1, TestNetworks.FeatureCount], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal([OnnxTensorNames.Mean, OnnxTensorNames.LogVariance], session.OutputMetadata.Keys.ToArray());
        foreach (NodeMetadata output in session.OutputMetadata.Values)
        {
            Assert.Equal(typeof(float), output.ElementType);
            Assert.Equal([-1, TestNetworks.LatentDimension], output.Dimensions);
            Assert.Equal("batch", output.SymbolicDimensions[0]);
        }
    }

    [Fact]
    public void EncoderOutputsOnlyTheMeanByDefault()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 1, InputPreprocessingKind.None, HiddenActivation.Relu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s));

        using var session = new InferenceSession(model);

        Assert.Equal([OnnxTensorNames.Mean], session.OutputMetadata.Keys.ToArray());
    }

    [Fact]
    public void EncoderTensorNamesCanBeChosen()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 2, InputPreprocessingKind.None, HiddenActivation.Tanh);
        var options = new OnnxExportOptions { IncludeLogVariance = true, EncoderInputName = "Pixels", EncoderMeanName = "Code", EncoderLogVarianceName = "CodeLogVariance" };
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, options));
        byte[] standard = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, new OnnxExportOptions { IncludeLogVariance = true }));

        using var session = new InferenceSession(model);
        Assert.Equal(["Pixels"], session.InputMetadata.Keys.ToArray());
        Assert.Equal(["Code", "CodeLogVariance"], session.OutputMetadata.Keys.Order().ToArray());

        // Same numbers under other names.
        var input = Enumerable.Range(0, 3 * encoder.InputWidth).Select(i => (float)Math.Sin(i)).ToArray();
        var renamed = OnnxRuntimeRunner.Run(session, "Pixels", input, 3, encoder.InputWidth);
        var original = OnnxRuntimeRunner.Run(standard, OnnxTensorNames.Features, input, 3, encoder.InputWidth);
        Assert.Equal(original[OnnxTensorNames.Mean], renamed["Code"]);
        Assert.Equal(original[OnnxTensorNames.LogVariance], renamed["CodeLogVariance"]);

        var clash = Assert.Throws<ArgumentException>(() => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { EncoderMeanName = "Pixels", EncoderInputName = "Pixels" }));
        Assert.Contains("distinct", clash.Message);
        Assert.Contains("'Pixels'", clash.Message);
    }

    [Fact]
    public void OneHotEncoderReadsOneColumn()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 1, InputPreprocessingKind.OneHot, HiddenActivation.Elu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s));

        using var session = new InferenceSession(model);

        Assert.Equal(1, encoder.InputWidth);
        Assert.Equal([-1, 1], session.InputMetadata[OnnxTensorNames.Features].Dimensions);
        Assert.Equal(
            TestNetworks.FeatureCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            session.ModelMetadata.CustomMetadataMap[OnnxMetadataKeys.InputClassCount]);
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian, OnnxTensorNames.Mean, OnnxTensorNames.LogVariance)]
    [InlineData(DecoderFamily.Bernoulli, OnnxTensorNames.Logits, OnnxTensorNames.Probabilities)]
    [InlineData(DecoderFamily.Categorical, OnnxTensorNames.Logits, OnnxTensorNames.Probabilities)]
    public void DecoderHasSymbolicBatchDimensionAndFamilyOutputs(DecoderFamily family, string first, string second)
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 2, family, HiddenActivation.Gelu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s));

        using var session = new InferenceSession(model);

        NodeMetadata input = Assert.Single(session.InputMetadata, kv => kv.Key == OnnxTensorNames.Latent).Value;
        Assert.Equal([-1, TestNetworks.LatentDimension], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal([first, second], session.OutputMetadata.Keys.ToArray());
        foreach (NodeMetadata output in session.OutputMetadata.Values)
        {
            Assert.Equal([-1, TestNetworks.FeatureCount], output.Dimensions);
            Assert.Equal("batch", output.SymbolicDimensions[0]);
        }
    }

    [Theory]
    [InlineData(InputPreprocessingKind.Standardization)]
    [InlineData(InputPreprocessingKind.KeyOneHot)]
    public void SingleRowEncoderReadsOneRowAndOutputsVectors(InputPreprocessingKind preprocessing)
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 7, preprocessing, HiddenActivation.Tanh);
        var options = new OnnxExportOptions
        {
            TensorLayout = OnnxTensorLayout.SingleRow,
            IncludeLogVariance = true,
            EncoderSlotNames = Enumerable.Range(0, TestNetworks.LatentDimension).Select(i => $"z{i}").ToArray(),
        };
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, options));

        using var session = new InferenceSession(model);

        // The slot-name nodes add neither an input nor an output.
        NodeMetadata input = Assert.Single(session.InputMetadata, kv => kv.Key == OnnxTensorNames.Features).Value;
        Assert.Equal([1, encoder.InputWidth], input.Dimensions);
        Assert.All(input.SymbolicDimensions, Assert.Empty);
        Assert.Equal([OnnxTensorNames.Mean, OnnxTensorNames.LogVariance], session.OutputMetadata.Keys.ToArray());
        foreach (NodeMetadata output in session.OutputMetadata.Values)
        {
            Assert.Equal([TestNetworks.LatentDimension], output.Dimensions);
            Assert.All(output.SymbolicDimensions, Assert.Empty);
        }
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Categorical)]
    public void SingleRowDecoderReadsOneLatentVectorAndOutputsVectors(DecoderFamily family)
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 8, family, HiddenActivation.Relu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s, new OnnxExportOptions { TensorLayout = OnnxTensorLayout.SingleRow }));

        using var session = new InferenceSession(model);

        Assert.Equal([1, TestNetworks.LatentDimension], session.InputMetadata[OnnxTensorNames.Latent].Dimensions);
        Assert.Equal(2, session.OutputMetadata.Count);
        Assert.All(session.OutputMetadata.Values, output => Assert.Equal([TestNetworks.FeatureCount], output.Dimensions));
    }

    [Fact]
    public void CallerMetadataAndStandardFieldsAreReadable()
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 3, DecoderFamily.Bernoulli, HiddenActivation.Silu);
        var options = new OnnxExportOptions
        {
            ModelVersion = 42,
            Metadata =
            {
                ["objective"] = "mutual_autoencoder",
                ["target_mutual_information"] = "2.5",
                [OnnxMetadataKeys.LatentDimension] = "5", // repeating an exporter key with the same value is allowed
                ["note"] = "ünïcödé ✓",
            },
        };
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s, options));

        using var session = new InferenceSession(model);
        ModelMetadata metadata = session.ModelMetadata;

        Assert.Equal("Mae", metadata.ProducerName);
        Assert.Equal(42, metadata.Version);
        Assert.Equal("mae_decoder", metadata.GraphName);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Description));
        Dictionary<string, string> map = metadata.CustomMetadataMap;
        Assert.Equal("mutual_autoencoder", map["objective"]);
        Assert.Equal("2.5", map["target_mutual_information"]);
        Assert.Equal("ünïcödé ✓", map["note"]);
        Assert.Equal("decoder", map[OnnxMetadataKeys.ModelKind]);
        Assert.Equal("5", map[OnnxMetadataKeys.LatentDimension]);
        Assert.Equal("silu", map[OnnxMetadataKeys.HiddenActivation]);
        Assert.Equal("bernoulli", map[OnnxMetadataKeys.DecoderFamily]);
        Assert.Equal("13", map[OnnxMetadataKeys.OutputWidth]);
    }

    [Fact]
    public void EncoderMetadataDescribesTheEncoder()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 4, InputPreprocessingKind.Standardization, HiddenActivation.Gelu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s));

        using var session = new InferenceSession(model);
        Dictionary<string, string> map = session.ModelMetadata.CustomMetadataMap;

        Assert.Equal("encoder", map[OnnxMetadataKeys.ModelKind]);
        Assert.Equal("5", map[OnnxMetadataKeys.LatentDimension]);
        Assert.Equal("gelu", map[OnnxMetadataKeys.HiddenActivation]);
        Assert.Equal("standardization", map[OnnxMetadataKeys.InputPreprocessing]);
        Assert.Equal("13", map[OnnxMetadataKeys.InputWidth]);
        Assert.Equal(1, session.ModelMetadata.Version);
        Assert.Equal("mae_encoder", session.ModelMetadata.GraphName);
    }

    [Fact]
    public void CallerMetadataContradictingTheDescriptionIsRejected()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 5, InputPreprocessingKind.None, HiddenActivation.Tanh);
        var options = new OnnxExportOptions { Metadata = { [OnnxMetadataKeys.LatentDimension] = "16" } };

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), options));

        Assert.Contains("'mae.latent_dimension'", error.Message);
        Assert.Contains("'5'", error.Message);
        Assert.Contains("'16'", error.Message);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 5, InputPreprocessingKind.None, HiddenActivation.Tanh);

        var negative = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { ModelVersion = -1 }));
        Assert.Contains("-1", negative.Message);

        var emptyKey = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { Metadata = { [""] = "x" } }));
        Assert.Contains("empty", emptyKey.Message);

        var nullValue = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { Metadata = { ["key"] = null! } }));
        Assert.Contains("'key'", nullValue.Message);

        var layout = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { TensorLayout = (OnnxTensorLayout)7 }));
        Assert.Contains("TensorLayout is 7; expected Batch or SingleRow", layout.Message);
        Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteDecoder(TestNetworks.Decoder(seed: 5, DecoderFamily.Gaussian, HiddenActivation.Tanh), new MemoryStream(), new OnnxExportOptions { TensorLayout = (OnnxTensorLayout)(-1) }));

        var tooFewNames = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { EncoderSlotNames = ["a", "b"] }));
        Assert.Contains("EncoderSlotNames holds 2 names; the encoder's latent dimension is 5, so it needs 5", tooFewNames.Message);
        var nullName = Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), new OnnxExportOptions { EncoderSlotNames = ["a", null!, "c", "d", "e"] }));
        Assert.Contains("EncoderSlotNames[1] is null", nullName.Message);

        Assert.Throws<ArgumentNullException>(() => OnnxExporter.WriteEncoder(encoder, new MemoryStream(), null!));
        Assert.Throws<ArgumentException>(() => OnnxExporter.WriteEncoder(encoder, new MemoryStream([], writable: false)));
    }

    [Fact]
    public void ExportIsDeterministic()
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 6, DecoderFamily.Categorical, HiddenActivation.Gelu);
        var options = new OnnxExportOptions { Metadata = { ["b"] = "2", ["a"] = "1" } };

        byte[] first = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s, options));
        byte[] second = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s, options));

        Assert.Equal(first, second);
    }
}
