using Mae.Export;

namespace Mae.Export.Tests;

/// <summary>Invalid descriptions are rejected at construction with messages that carry the actual values.</summary>
public sealed class DescriptionValidationTests
{
    private static DenseLayer Layer(int inputSize, int outputSize, float fill = 0.1f) =>
        new(inputSize, outputSize, Enumerable.Repeat(fill, inputSize * outputSize).ToArray(), new float[outputSize]);

    [Fact]
    public void WrongWeightLengthIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new DenseLayer(16, 8, new float[120], new float[8]));

        Assert.Equal("weight", error.ParamName);
        Assert.StartsWith("Weight has 120 values; expected OutputSize*InputSize = 8*16 = 128.", error.Message);
    }

    [Fact]
    public void WrongBiasLengthIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new DenseLayer(2, 3, new float[6], new float[2]));

        Assert.Equal("bias", error.ParamName);
        Assert.Contains("Bias has 2 values; expected OutputSize = 3.", error.Message);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    [InlineData(-1, 3)]
    public void NonPositiveSizesAreRejected(int inputSize, int outputSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DenseLayer(inputSize, outputSize, [], []));

        Assert.Contains("must be positive", error.Message);
    }

    [Fact]
    public void LayerCopiesItsValues()
    {
        float[] weight = [1, 2, 3, 4];
        float[] bias = [5, 6];
        var layer = new DenseLayer(2, 2, weight, bias);

        weight[0] = 100;
        bias[0] = 100;

        Assert.Equal([1f, 2, 3, 4], layer.Weight.ToArray());
        Assert.Equal([5f, 6], layer.Bias.ToArray());
    }

    [Fact]
    public void MismatchedHiddenLayerSizesAreRejected()
    {
        DenseLayer[] trunk = [Layer(4, 16), Layer(12, 8)];

        var error = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.None, trunk, HiddenActivation.Tanh, Layer(8, 2), Layer(8, 2)));

        Assert.Equal("hiddenLayers", error.ParamName);
        Assert.Contains("Encoder hiddenLayers[1] has InputSize 12; expected 16, the OutputSize of Encoder hiddenLayers[0].", error.Message);
    }

    [Fact]
    public void FirstLayerMustReadThePreprocessingOutput()
    {
        InputPreprocessing standardization = InputPreprocessing.Standardization([0, 0, 0], [1, 1, 1]);

        var standardized = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(standardization, [Layer(4, 8)], HiddenActivation.Relu, Layer(8, 2), Layer(8, 2)));
        var oneHot = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.OneHot(5), [], HiddenActivation.Relu, Layer(1, 2), Layer(1, 2)));
        var keyOneHot = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.KeyOneHot(7), [Layer(6, 8)], HiddenActivation.Relu, Layer(8, 2), Layer(8, 2)));

        Assert.Contains("Encoder hiddenLayers[0] has InputSize 4; expected 3, the number of standardized features.", standardized.Message);
        Assert.Contains("Encoder mean head has InputSize 1; expected 5, the one-hot class count.", oneHot.Message);
        Assert.Contains("Encoder hiddenLayers[0] has InputSize 6; expected 7, the one-hot class count.", keyOneHot.Message);
    }

    [Fact]
    public void HeadsMustReadTheTrunkOutputAndAgree()
    {
        var meanHead = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.None, [Layer(4, 8)], HiddenActivation.Elu, Layer(6, 2), Layer(8, 2)));
        var varianceInput = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.None, [Layer(4, 8)], HiddenActivation.Elu, Layer(8, 2), Layer(7, 2)));
        var varianceOutput = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.None, [Layer(4, 8)], HiddenActivation.Elu, Layer(8, 2), Layer(8, 3)));
        var decoderHead = Assert.Throws<ArgumentException>(
            () => DecoderDescription.Bernoulli([Layer(2, 8), Layer(8, 9)], HiddenActivation.Elu, Layer(8, 4)));
        var decoderVariance = Assert.Throws<ArgumentException>(
            () => DecoderDescription.Gaussian([Layer(2, 8)], HiddenActivation.Elu, Layer(8, 4), Layer(8, 5)));

        Assert.Equal("meanHead", meanHead.ParamName);
        Assert.Contains("Encoder mean head has InputSize 6; expected 8, the OutputSize of Encoder hiddenLayers[0].", meanHead.Message);
        Assert.Equal("logVarianceHead", varianceInput.ParamName);
        Assert.Contains("InputSize 7; expected 8", varianceInput.Message);
        Assert.Contains("Encoder log-variance head has OutputSize 3; expected 2", varianceOutput.Message);
        Assert.Contains("Decoder logits head has InputSize 8; expected 9, the OutputSize of Decoder hiddenLayers[1].", decoderHead.Message);
        Assert.Contains("Decoder log-variance head has OutputSize 5; expected 4", decoderVariance.Message);
    }

    [Fact]
    public void NonFiniteWeightsAreRejectedNamingTheLayer()
    {
        float[] weight = Enumerable.Repeat(0.1f, 8 * 4).ToArray();
        weight[1 * 4 + 3] = float.NaN;
        var poisoned = new DenseLayer(4, 8, weight, new float[8]);
        var infiniteBias = new DenseLayer(8, 2, new float[16], [0, float.PositiveInfinity]);

        var trunkError = Assert.Throws<ArgumentException>(
            () => new EncoderDescription(InputPreprocessing.None, [Layer(4, 4), poisoned], HiddenActivation.Tanh, Layer(8, 2), Layer(8, 2)));
        var headError = Assert.Throws<ArgumentException>(
            () => DecoderDescription.Gaussian([Layer(3, 8)], HiddenActivation.Tanh, Layer(8, 2), infiniteBias));

        Assert.Contains("Encoder hiddenLayers[1] weight[1, 3] is NaN", trunkError.Message);
        Assert.Contains("Decoder log-variance head bias[1] is Infinity", headError.Message);
    }

    [Fact]
    public void InvalidPreprocessingIsRejected()
    {
        var length = Assert.Throws<ArgumentException>(() => InputPreprocessing.Standardization([0, 1, 2], [1, 1]));
        var empty = Assert.Throws<ArgumentException>(() => InputPreprocessing.Standardization([], []));
        var nan = Assert.Throws<ArgumentException>(() => InputPreprocessing.Standardization([0, 1], [1, float.NaN]));
        var classes = Assert.Throws<ArgumentOutOfRangeException>(() => InputPreprocessing.OneHot(1));
        var keyClasses = Assert.Throws<ArgumentOutOfRangeException>(() => InputPreprocessing.KeyOneHot(0));

        Assert.Contains("scale has 2 values; expected one per feature, as in the offset (3)", length.Message);
        Assert.Contains("offset is empty", empty.Message);
        Assert.Contains("scale[1] is NaN", nan.Message);
        Assert.Contains("at least 2 classes; got 1", classes.Message);
        Assert.Equal("classCount", keyClasses.ParamName);
        Assert.Contains("at least 2 classes; got 0", keyClasses.Message);
    }

    [Fact]
    public void CategoricalDecoderNeedsTwoClasses()
    {
        var error = Assert.Throws<ArgumentException>(() => DecoderDescription.Categorical([Layer(2, 4)], HiddenActivation.Relu, Layer(4, 1)));

        Assert.Contains("OutputSize 1; a categorical variable needs at least 2 classes", error.Message);
    }

    [Fact]
    public void NullsAndUnknownActivationsAreRejected()
    {
        Assert.Throws<ArgumentNullException>(
            () => new EncoderDescription(null!, [], HiddenActivation.Relu, Layer(2, 2), Layer(2, 2)));
        Assert.Throws<ArgumentNullException>(
            () => new EncoderDescription(InputPreprocessing.None, null!, HiddenActivation.Relu, Layer(2, 2), Layer(2, 2)));
        Assert.Throws<ArgumentNullException>(
            () => new EncoderDescription(InputPreprocessing.None, [], HiddenActivation.Relu, Layer(2, 2), null!));
        Assert.Throws<ArgumentNullException>(() => DecoderDescription.Bernoulli([], HiddenActivation.Relu, null!));
        var nullLayer = Assert.Throws<ArgumentException>(
            () => DecoderDescription.Bernoulli([Layer(2, 2), null!], HiddenActivation.Relu, Layer(2, 2)));
        var activation = Assert.Throws<ArgumentOutOfRangeException>(
            () => DecoderDescription.Bernoulli([], (HiddenActivation)42, Layer(2, 2)));

        Assert.Contains("Decoder hiddenLayers[1] is null.", nullLayer.Message);
        Assert.Contains("42", activation.Message);
    }

    [Fact]
    public void DescriptionsExposeTheirShape()
    {
        var encoder = new EncoderDescription(
            InputPreprocessing.OneHot(6), [Layer(6, 8)], HiddenActivation.Gelu, Layer(8, 3), Layer(8, 3));
        DecoderDescription decoder = DecoderDescription.Categorical([Layer(3, 8)], HiddenActivation.Gelu, Layer(8, 6));

        Assert.Equal(1, encoder.InputWidth);
        Assert.Equal(3, encoder.LatentDimension);
        Assert.Single(encoder.HiddenLayers);
        Assert.Equal(3, decoder.LatentDimension);
        Assert.Equal(6, decoder.OutputWidth);
        Assert.Equal(DecoderFamily.Categorical, decoder.Family);
        Assert.Null(decoder.MeanHead);
        Assert.NotNull(decoder.LogitsHead);
    }

    [Fact]
    public void KeyOneHotReadsOneKeyColumnAndWritesOneFloatPerClass()
    {
        InputPreprocessing keys = InputPreprocessing.KeyOneHot(6);
        var encoder = new EncoderDescription(keys, [Layer(6, 8)], HiddenActivation.Gelu, Layer(8, 3), Layer(8, 3));

        Assert.Equal(InputPreprocessingKind.KeyOneHot, keys.Kind);
        Assert.Equal(6, keys.ClassCount);
        Assert.Equal(1, keys.InputWidth);
        Assert.Equal(6, keys.OutputWidth);
        Assert.True(keys.Offset.IsEmpty);
        Assert.True(keys.Scale.IsEmpty);
        Assert.Equal(1, encoder.InputWidth);
    }

    [Fact]
    public void TrunkListIsCopied()
    {
        var layers = new List<DenseLayer> { Layer(2, 4) };
        DecoderDescription decoder = DecoderDescription.Bernoulli(layers, HiddenActivation.Relu, Layer(4, 3));

        layers.Add(Layer(4, 4));

        Assert.Single(decoder.HiddenLayers);
    }
}
