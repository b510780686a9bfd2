using Mae.Export;

namespace Mae.Export.Tests;

/// <summary>
/// A plain double-precision forward pass over the public descriptions: the oracle the exported ONNX models
/// are compared with. Matrices are flat, row-major [batch, width].
/// </summary>
internal static class ReferenceForwardPass
{
    public static Dictionary<string, double[]> Encoder(EncoderDescription encoder, float[] input, int batch) =>
        EncoderAfterPreprocessing(encoder, Preprocess(encoder.Preprocessing, input, batch, encoder.InputWidth), batch);

    /// <summary>An encoder reading ML.NET keys: key k in 1..K is class k - 1; any other key is an all-zero one-hot.</summary>
    public static Dictionary<string, double[]> Encoder(EncoderDescription encoder, uint[] keys, int batch)
    {
        Assert.Equal(InputPreprocessingKind.KeyOneHot, encoder.Preprocessing.Kind);
        int classes = encoder.Preprocessing.ClassCount;
        double[] oneHot = new double[batch * classes];
        for (int n = 0; n < batch; n++)
        {
            if (keys[n] >= 1 && keys[n] <= classes)
            {
                oneHot[n * classes + (int)keys[n] - 1] = 1;
            }
        }

        return EncoderAfterPreprocessing(encoder, oneHot, batch);
    }

    /// <summary>The encoder from its first layer on, given the preprocessed rows [batch, preprocessing output width].</summary>
    public static Dictionary<string, double[]> EncoderAfterPreprocessing(EncoderDescription encoder, double[] preprocessed, int batch)
    {
        double[] value = Trunk(encoder.HiddenLayers, encoder.Activation, preprocessed, batch);
        return new Dictionary<string, double[]>
        {
            [OnnxTensorNames.Mean] = Dense(encoder.MeanHead, value, batch),
            [OnnxTensorNames.LogVariance] = Dense(encoder.LogVarianceHead, value, batch),
        };
    }

    public static Dictionary<string, double[]> Decoder(DecoderDescription decoder, float[] latent, int batch)
    {
        double[] value = Trunk(decoder.HiddenLayers, decoder.Activation, latent.Select(v => (double)v).ToArray(), batch);
        switch (decoder.Family)
        {
            case DecoderFamily.Gaussian:
                return new Dictionary<string, double[]>
                {
                    [OnnxTensorNames.Mean] = Dense(decoder.MeanHead!, value, batch),
                    [OnnxTensorNames.LogVariance] = Dense(decoder.LogVarianceHead!, value, batch),
                };
            case DecoderFamily.Bernoulli:
            {
                double[] logits = Dense(decoder.LogitsHead!, value, batch);
                return new Dictionary<string, double[]>
                {
                    [OnnxTensorNames.Logits] = logits,
                    [OnnxTensorNames.Probabilities] = logits.Select(Sigmoid).ToArray(),
                };
            }

            case DecoderFamily.Categorical:
            {
                double[] logits = Dense(decoder.LogitsHead!, value, batch);
                return new Dictionary<string, double[]>
                {
                    [OnnxTensorNames.Logits] = logits,
                    [OnnxTensorNames.Probabilities] = SoftmaxRows(logits, batch, decoder.OutputWidth),
                };
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(decoder));
        }
    }

    private static double[] Preprocess(InputPreprocessing preprocessing, float[] input, int batch, int width)
    {
        switch (preprocessing.Kind)
        {
            case InputPreprocessingKind.None:
                return input.Select(v => (double)v).ToArray();
            case InputPreprocessingKind.Standardization:
            {
                ReadOnlySpan<float> offset = preprocessing.Offset.Span;
                ReadOnlySpan<float> scale = preprocessing.Scale.Span;
                double[] result = new double[batch * width];
                for (int n = 0; n < batch; n++)
                {
                    for (int i = 0; i < width; i++)
                    {
                        result[n * width + i] = ((double)input[n * width + i] - offset[i]) * scale[i];
                    }
                }

                return result;
            }

            case InputPreprocessingKind.OneHot:
            {
                int classes = preprocessing.ClassCount;
                double[] result = new double[batch * classes];
                for (int n = 0; n < batch; n++)
                {
                    int index = (int)input[n];
                    if (index == input[n] && index >= 0 && index < classes)
                    {
                        result[n * classes + index] = 1;
                    }
                }

                return result;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(preprocessing));
        }
    }

    private static double[] Trunk(IReadOnlyList<DenseLayer> layers, HiddenActivation activation, double[] value, int batch)
    {
        foreach (DenseLayer layer in layers)
        {
            value = Dense(layer, value, batch).Select(v => Activate(activation, v)).ToArray();
        }

        return value;
    }

    private static double[] Dense(DenseLayer layer, double[] input, int batch)
    {
        ReadOnlySpan<float> weight = layer.Weight.Span;
        ReadOnlySpan<float> bias = layer.Bias.Span;
        int inputSize = layer.InputSize;
        int outputSize = layer.OutputSize;
        double[] output = new double[batch * outputSize];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inputSize; i++)
                {
                    sum += input[n * inputSize + i] * weight[o * inputSize + i];
                }

                output[n * outputSize + o] = sum;
            }
        }

        return output;
    }

    private static double Activate(HiddenActivation activation, double x) => activation switch
    {
        HiddenActivation.Tanh => Math.Tanh(x),
        HiddenActivation.Relu => Math.Max(x, 0),
        HiddenActivation.Elu => x > 0 ? x : Math.Exp(x) - 1,
        HiddenActivation.Gelu => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        HiddenActivation.Silu => x * Sigmoid(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double[] SoftmaxRows(double[] logits, int batch, int width)
    {
        double[] result = new double[logits.Length];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<double> row = logits.AsSpan(n * width, width);
            double max = double.NegativeInfinity;
            foreach (double v in row)
            {
                max = Math.Max(max, v);
            }

            double total = 0;
            for (int k = 0; k < width; k++)
            {
                total += result[n * width + k] = Math.Exp(row[k] - max);
            }

            for (int k = 0; k < width; k++)
            {
                result[n * width + k] /= total;
            }
        }

        return result;
    }

    /// <summary>
    /// The error function, accurate to about 1e-15: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)),
    /// a series of positive terms (no cancellation). Beyond |x| = 6, erf is +-1 to double precision.
    /// </summary>
    internal static double Erf(double x)
    {
        double a = Math.Abs(x);
        if (a >= 6)
        {
            return Math.Sign(x);
        }

        double term = a;
        double sum = a;
        double square = a * a;
        for (int n = 1; n < 500 && term > sum * 1e-17; n++)
        {
            term *= 2 * square / (2 * n + 1);
            sum += term;
        }

        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-square) * sum;
    }
}
