using System.Globalization;
using System.Reflection;

namespace Mae.Export.Onnx;

/// <summary>Translates encoder and decoder descriptions into ONNX models.</summary>
internal static partial class OnnxModelFactory
{
    /// <summary>The symbolic name of the batch dimension of every input and output of a batched graph.</summary>
    public const string BatchDimension = "batch";

    public const long IrVersion = 8;
    public const long DefaultDomainOpset = 13;
    public const string ProducerName = "Mae";

    /// <summary>The operator set of ONNX's traditional machine-learning operators, imported only for slot names.</summary>
    public const string MachineLearningDomain = "ai.onnx.ml";

    /// <summary>Version 2 is the first whose LabelEncoder has the <c>keys_strings</c> attribute.</summary>
    public const long MachineLearningDomainOpset = 2;

    private static readonly float SquareRootOfTwo = MathF.Sqrt(2f);

    public static ModelProto CreateEncoder(EncoderDescription encoder, OnnxExportOptions options)
    {
        int latent = encoder.LatentDimension;
        var graph = new OnnxGraphBuilder("mae_encoder", options.TensorLayout);
        graph.Documentation = string.Create(CultureInfo.InvariantCulture,
            $"Mae Gaussian encoder: {options.EncoderInputName} {graph.DescribeInput(encoder.InputWidth)} to the posterior {options.EncoderMeanName} {graph.DescribeOutput(latent)}.");

        TensorProto.Types.DataType inputType = encoder.Preprocessing.Kind == InputPreprocessingKind.KeyOneHot
            ? TensorProto.Types.DataType.Uint32
            : TensorProto.Types.DataType.Float;
        string value = graph.AddInput(options.EncoderInputName, encoder.InputWidth, inputType, DescribeEncoderInput(encoder));
        value = AddPreprocessing(graph, encoder.Preprocessing, value);
        value = AddTrunk(graph, encoder.HiddenLayers, encoder.Activation, value);

        var outputs = new List<string> { AddHead(graph, encoder.MeanHead, "mean_head", value, options.EncoderMeanName) };
        graph.AddOutput(options.EncoderMeanName, latent, "Posterior mean of the latent vector.");
        if (options.IncludeLogVariance)
        {
            outputs.Add(AddHead(graph, encoder.LogVarianceHead, "log_variance_head", value, options.EncoderLogVarianceName));
            graph.AddOutput(options.EncoderLogVarianceName, latent, "Posterior log-variance (natural logarithm) of the latent vector.");
        }

        IReadOnlyList<string>? slotNames = options.EncoderSlotNames;
        if (slotNames is not null)
        {
            foreach (string output in outputs)
            {
                AddSlotNames(graph, output, slotNames);
            }
        }

        var metadata = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.ModelKind, "encoder"),
            new(OnnxMetadataKeys.LatentDimension, Format(latent)),
            new(OnnxMetadataKeys.HiddenActivation, Name(encoder.Activation)),
            new(OnnxMetadataKeys.InputPreprocessing, Name(encoder.Preprocessing.Kind)),
            new(OnnxMetadataKeys.InputWidth, Format(encoder.InputWidth)),
        };
        if (encoder.Preprocessing.Kind is InputPreprocessingKind.OneHot or InputPreprocessingKind.KeyOneHot)
        {
            metadata.Add(new(OnnxMetadataKeys.InputClassCount, Format(encoder.Preprocessing.ClassCount)));
        }

        return CreateModel(graph.Build(), "Mae encoder.", metadata, options, importMachineLearningDomain: slotNames is not null);
    }

    public static ModelProto CreateDecoder(DecoderDescription decoder, OnnxExportOptions options)
    {
        int width = decoder.OutputWidth;
        string family = Name(decoder.Family);
        var graph = new OnnxGraphBuilder("mae_decoder", options.TensorLayout);
        graph.Documentation = string.Create(CultureInfo.InvariantCulture,
            $"Mae {family} decoder: {OnnxTensorNames.Latent} {graph.DescribeInput(decoder.LatentDimension)} to the parameters of the likelihood {graph.DescribeOutput(width)}.");

        string value = graph.AddInput(OnnxTensorNames.Latent, decoder.LatentDimension, "Latent vector.");
        value = AddTrunk(graph, decoder.HiddenLayers, decoder.Activation, value);

        switch (decoder.Family)
        {
            case DecoderFamily.Gaussian:
                AddHead(graph, decoder.MeanHead!, "mean_head", value, OnnxTensorNames.Mean);
                AddHead(graph, decoder.LogVarianceHead!, "log_variance_head", value, OnnxTensorNames.LogVariance);
                graph.AddOutput(OnnxTensorNames.Mean, width, "Mean of each feature.");
                graph.AddOutput(OnnxTensorNames.LogVariance, width, "Log-variance (natural logarithm) of each feature.");
                break;
            case DecoderFamily.Bernoulli:
                AddHead(graph, decoder.LogitsHead!, "logits_head", value, OnnxTensorNames.Logits);
                graph.AddNode("Sigmoid", "probabilities_sigmoid", [OnnxTensorNames.Logits], OnnxTensorNames.Probabilities);
                graph.AddOutput(OnnxTensorNames.Logits, width, "Logit of each feature being 1.");
                graph.AddOutput(OnnxTensorNames.Probabilities, width, "Probability of each feature being 1 (sigmoid of the logits).");
                break;
            case DecoderFamily.Categorical:
                AddHead(graph, decoder.LogitsHead!, "logits_head", value, OnnxTensorNames.Logits);
                // The last axis holds the classes in either layout.
                graph.AddNode("Softmax", "probabilities_softmax", [OnnxTensorNames.Logits], OnnxTensorNames.Probabilities,
                    OnnxGraphBuilder.IntAttribute("axis", -1));
                graph.AddOutput(OnnxTensorNames.Logits, width, "Unnormalised log-probability of each class.");
                graph.AddOutput(OnnxTensorNames.Probabilities, width, "Probability of each class (softmax of the logits).");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(decoder), decoder.Family, "Unknown decoder family.");
        }

        var metadata = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.ModelKind, "decoder"),
            new(OnnxMetadataKeys.LatentDimension, Format(decoder.LatentDimension)),
            new(OnnxMetadataKeys.HiddenActivation, Name(decoder.Activation)),
            new(OnnxMetadataKeys.DecoderFamily, family),
            new(OnnxMetadataKeys.OutputWidth, Format(width)),
        };
        return CreateModel(graph.Build(), $"Mae {family} decoder.", metadata, options, importMachineLearningDomain: false);
    }

    private static string AddPreprocessing(OnnxGraphBuilder graph, InputPreprocessing preprocessing, string input)
    {
        switch (preprocessing.Kind)
        {
            case InputPreprocessingKind.None:
                return input;
            case InputPreprocessingKind.Standardization:
            {
                int width = preprocessing.Offset.Length;
                string offset = graph.AddInitializer("preprocessing.offset", preprocessing.Offset.Span, width);
                string scale = graph.AddInitializer("preprocessing.scale", preprocessing.Scale.Span, width);
                string centered = graph.AddNode("Sub", "preprocessing_sub", [input, offset], "preprocessing.centered");
                return graph.AddNode("Mul", "preprocessing_mul", [centered, scale], "preprocessing.output");
            }

            case InputPreprocessingKind.OneHot:
                return AddOneHot(graph, preprocessing.ClassCount, input);
            case InputPreprocessingKind.KeyOneHot:
            {
                // Key k is class index k - 1, so the missing key 0 becomes -1 and matches no class. Keys up to 2^24
                // are exact as floats; larger ones round to at least 2^24, so they stay above every index below 2^24.
                string key = graph.AddNode("Cast", "preprocessing_key_cast", [input], "preprocessing.key",
                    OnnxGraphBuilder.IntAttribute("to", (long)TensorProto.Types.DataType.Float));
                string index = graph.AddNode("Sub", "preprocessing_key_sub", [key, graph.Scalar("preprocessing.one", 1f)],
                    "preprocessing.index");
                return AddOneHot(graph, preprocessing.ClassCount, index);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(preprocessing), preprocessing.Kind, "Unknown preprocessing kind.");
        }
    }

    /// <summary>Expands a float class index [batch, 1] into a float one-hot [batch, K]; other values give all zeros.</summary>
    private static string AddOneHot(OnnxGraphBuilder graph, int classCount, string index)
    {
        // [batch, 1] == [1, K] broadcasts to a [batch, K] boolean that is true only at the class index.
        float[] classes = new float[classCount];
        for (int k = 0; k < classCount; k++)
        {
            classes[k] = k;
        }

        string classRow = graph.AddInitializer("preprocessing.classes", classes, 1, classCount);
        string isClass = graph.AddNode("Equal", "preprocessing_equal", [index, classRow], "preprocessing.is_class");
        return graph.AddNode("Cast", "preprocessing_cast", [isClass], "preprocessing.output",
            OnnxGraphBuilder.IntAttribute("to", (long)TensorProto.Types.DataType.Float));
    }

    private static string AddTrunk(OnnxGraphBuilder graph, IReadOnlyList<DenseLayer> layers, HiddenActivation activation, string input, string name = "hidden")
    {
        string value = input;
        for (int i = 0; i < layers.Count; i++)
        {
            string prefix = string.Create(CultureInfo.InvariantCulture, $"{name}_{i}");
            string linear = AddDense(graph, layers[i], prefix, value, $"{prefix}.linear");
            value = AddActivation(graph, activation, prefix, linear, $"{prefix}.output");
        }

        return value;
    }

    private static string AddDense(OnnxGraphBuilder graph, DenseLayer layer, string prefix, string input, string output)
    {
        string weight = graph.AddInitializer($"{prefix}.weight", layer.Weight.Span, layer.OutputSize, layer.InputSize);
        string bias = graph.AddInitializer($"{prefix}.bias", layer.Bias.Span, layer.OutputSize);
        return graph.AddNode("Gemm", $"{prefix}_gemm", [input, weight, bias], output, OnnxGraphBuilder.IntAttribute("transB", 1));
    }

    /// <summary>
    /// A dense layer that writes a graph output: the trunk works on [batch, width] matrices in either layout, so for one
    /// row the [1, width] result loses its leading dimension.
    /// </summary>
    private static string AddHead(OnnxGraphBuilder graph, DenseLayer layer, string prefix, string input, string output)
    {
        AddRowOutput(graph, layer, prefix, input, output);
        return output;
    }

    /// <summary>
    /// Records slot names for the output <paramref name="output"/> as ML.NET reads them: ML.NET's ONNX transformer gives
    /// a column the strings of the <c>keys_strings</c> attribute of the node named <c>mlnet.{column}.SlotNames</c>, and
    /// ML.NET's ONNX converter writes that node as a LabelEncoder over a constant. Its result feeds nothing and is not a
    /// graph output, so the model's inputs and outputs stay as they are.
    /// </summary>
    private static void AddSlotNames(OnnxGraphBuilder graph, string output, IReadOnlyList<string> names)
    {
        string constant = graph.AddInitializer($"mlnet.{output}.unusedInput", ["slot names"], 1);
        graph.AddNode(
            MachineLearningDomain,
            "LabelEncoder",
            $"mlnet.{output}.SlotNames",
            [constant],
            $"mlnet.{output}.unusedOutput",
            OnnxGraphBuilder.StringsAttribute("keys_strings", names),
            OnnxGraphBuilder.IntsAttribute("values_int64s", Enumerable.Range(0, names.Count).Select(i => (long)i)));
    }

    private static string AddActivation(OnnxGraphBuilder graph, HiddenActivation activation, string prefix, string input, string output)
    {
        switch (activation)
        {
            case HiddenActivation.Tanh:
                return graph.AddNode("Tanh", $"{prefix}_tanh", [input], output);
            case HiddenActivation.Relu:
                return graph.AddNode("Relu", $"{prefix}_relu", [input], output);
            case HiddenActivation.Elu:
                return graph.AddNode("Elu", $"{prefix}_elu", [input], output, OnnxGraphBuilder.FloatAttribute("alpha", 1f));
            case HiddenActivation.Gelu:
            {
                // 0.5 * x * (1 + erf(x / sqrt(2))), in the node order ONNX Runtime recognises and fuses.
                string scaled = graph.AddNode("Div", $"{prefix}_gelu_div", [input, graph.Scalar("gelu.sqrt2", SquareRootOfTwo)], $"{prefix}.gelu_scaled");
                string erf = graph.AddNode("Erf", $"{prefix}_gelu_erf", [scaled], $"{prefix}.gelu_erf");
                string shifted = graph.AddNode("Add", $"{prefix}_gelu_add", [erf, graph.Scalar("gelu.one", 1f)], $"{prefix}.gelu_shifted");
                string product = graph.AddNode("Mul", $"{prefix}_gelu_mul", [input, shifted], $"{prefix}.gelu_product");
                return graph.AddNode("Mul", $"{prefix}_gelu_half", [product, graph.Scalar("gelu.half", 0.5f)], output);
            }

            case HiddenActivation.Silu:
            {
                string sigmoid = graph.AddNode("Sigmoid", $"{prefix}_silu_sigmoid", [input], $"{prefix}.silu_sigmoid");
                return graph.AddNode("Mul", $"{prefix}_silu_mul", [input, sigmoid], output);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown hidden activation.");
        }
    }

    private static ModelProto CreateModel(
        GraphProto graph,
        string documentation,
        List<KeyValuePair<string, string>> exporterMetadata,
        OnnxExportOptions options,
        bool importMachineLearningDomain)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            ModelVersion = options.ModelVersion,
            DocString = documentation,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = DefaultDomainOpset });
        if (importMachineLearningDomain)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MachineLearningDomain, Version = MachineLearningDomainOpset });
        }

        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> entry in exporterMetadata)
        {
            entries.Add(entry.Key, entry.Value);
        }

        foreach (KeyValuePair<string, string> entry in options.Metadata)
        {
            if (entries.TryGetValue(entry.Key, out string? written))
            {
                if (!string.Equals(written, entry.Value, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"Metadata key '{entry.Key}' is written by the exporter with value '{written}' from the description; the supplied value '{entry.Value}' disagrees.",
                        nameof(options));
                }

                continue;
            }

            entries.Add(entry.Key, entry.Value);
        }

        foreach (KeyValuePair<string, string> entry in entries)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = entry.Key, Value = entry.Value });
        }

        return model;
    }

    private static string ProducerVersion { get; } =
        typeof(OnnxModelFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxModelFactory).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    private static string DescribeEncoderInput(EncoderDescription encoder) => encoder.Preprocessing.Kind switch
    {
        InputPreprocessingKind.Standardization => "Raw features; standardized inside the model.",
        InputPreprocessingKind.OneHot => string.Create(CultureInfo.InvariantCulture,
            $"Class index 0..{encoder.Preprocessing.ClassCount - 1} stored as a float; one-hot encoded inside the model."),
        InputPreprocessingKind.KeyOneHot => string.Create(CultureInfo.InvariantCulture,
            $"ML.NET key 1..{encoder.Preprocessing.ClassCount} (class key - 1) stored as a uint32, 0 for missing; one-hot encoded inside the model."),
        _ => "Features.",
    };

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Name(HiddenActivation activation) => activation.ToString().ToLowerInvariant();

    private static string Name(DecoderFamily family) => family.ToString().ToLowerInvariant();

    private static string Name(InputPreprocessingKind kind) => kind switch
    {
        InputPreprocessingKind.OneHot => "one_hot",
        InputPreprocessingKind.KeyOneHot => "key_one_hot",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
