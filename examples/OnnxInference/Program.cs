// Encodes the rows of a CSV file with an exported Mae encoder, using ONNX Runtime alone.
//   dotnet run --project examples/OnnxInference -- <encoder.onnx> <rows.csv> [--batch N]
// Exit codes: 0 done, 1 bad input (one line on stderr), 2 bad command line.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OnnxInference;

// Tensor names and metadata keys written by Mae.Export (OnnxTensorNames, OnnxMetadataKeys).
const string FeaturesName = "features";
const string MeanName = "mean";
const string ModelKindKey = "mae.model_kind";
const string InputWidthKey = "mae.input_width";
const string LatentDimensionKey = "mae.latent_dimension";
const int RowsToPrint = 10;

if (!TryParseArguments(args, out string modelPath, out string csvPath, out int batchSize, out string? usageError))
{
    Console.Error.WriteLine(usageError);
    Console.Error.WriteLine("Usage: OnnxInference <encoder.onnx> <rows.csv> [--batch N]   (N defaults to 1024)");
    return 2;
}

try
{
    Encode(modelPath, csvPath, batchSize);
    return 0;
}
catch (Exception exception) when (exception is InvalidDataException or IOException or UnauthorizedAccessException or OnnxRuntimeException)
{
    Console.Error.WriteLine($"error: {exception.Message}");
    return 1;
}

static void Encode(string modelPath, string csvPath, int batchSize)
{
    ThrowIfMissing(modelPath, "Encoder");
    ThrowIfMissing(csvPath, "CSV");
    string modelName = Path.GetFileName(modelPath);

    using InferenceSession session = LoadSession(modelPath);
    IReadOnlyDictionary<string, string> metadata = session.ModelMetadata.CustomMetadataMap;
    if (metadata.TryGetValue(ModelKindKey, out string? kind) && kind != "encoder")
    {
        throw new InvalidDataException($"{modelName} is a Mae {kind} (model metadata {ModelKindKey}={kind}); pass an encoder.");
    }

    NodeMetadata features = FindFloatMatrix(session.InputMetadata, FeaturesName, "input", modelName);
    NodeMetadata mean = FindFloatMatrix(session.OutputMetadata, MeanName, "output", modelName);
    (int width, string widthSource) = ResolveWidth(features, FeaturesName, metadata, InputWidthKey, modelName);
    (int latent, _) = ResolveWidth(mean, MeanName, metadata, LatentDimensionKey, modelName);
    if ((long)batchSize * Math.Max(width, latent) > Array.MaxLength)
    {
        throw new InvalidDataException($"--batch {batchSize} is too large for {width} features per row; use at most {Array.MaxLength / Math.Max(width, latent)}.");
    }

    Console.WriteLine($"Encoder {modelName}: {FeaturesName} [batch, {width}] -> {MeanName} [batch, {latent}]; batches of up to {batchSize} rows.");

    float[] inputBuffer = new float[batchSize * width];
    float[] outputBuffer = new float[batchSize * latent];
    using var runOptions = new RunOptions();
    using var reader = new CsvFeatureReader(csvPath, width, widthSource);
    long rows = 0;
    TimeSpan inferenceTime = TimeSpan.Zero;
    int count;
    while ((count = reader.ReadBatch(inputBuffer)) > 0)
    {
        // One [count, F] tensor over the managed buffers: no copies in or out.
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, inputBuffer.AsMemory(0, count * width), [count, width]);
        using OrtValue output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, outputBuffer.AsMemory(0, count * latent), [count, latent]);
        long start = Stopwatch.GetTimestamp();
        session.Run(runOptions, [FeaturesName], [input], [MeanName], [output]);
        inferenceTime += Stopwatch.GetElapsedTime(start);

        for (int i = 0; i < count && rows + i < RowsToPrint; i++)
        {
            Console.WriteLine($"row {rows + i + 1}: [{FormatCode(outputBuffer.AsSpan(i * latent, latent))}]");
        }

        rows += count;
    }

    if (rows == 0)
    {
        Console.WriteLine($"{Path.GetFileName(csvPath)} has no data rows; nothing to encode.");
        return;
    }

    if (rows > RowsToPrint)
    {
        Console.WriteLine($"... {rows - RowsToPrint} more rows not shown.");
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Encoded {rows} rows; inference alone (session.Run, excluding model loading and CSV parsing) took {inferenceTime.TotalSeconds:F3} s: {rows / inferenceTime.TotalSeconds:N0} rows/s."));
}

static void ThrowIfMissing(string path, string what)
{
    if (!File.Exists(path))
    {
        throw new FileNotFoundException($"{what} file '{path}' not found (working directory: {Environment.CurrentDirectory}).", path);
    }
}

static InferenceSession LoadSession(string modelPath)
{
    try
    {
        return new InferenceSession(modelPath);
    }
    catch (OnnxRuntimeException exception)
    {
        throw new InvalidDataException($"Cannot load the encoder '{modelPath}': {exception.Message}", exception);
    }
}

// The named input or output must be a float tensor of rank 2: [batch, width].
static NodeMetadata FindFloatMatrix(IReadOnlyDictionary<string, NodeMetadata> nodes, string name, string role, string modelName)
{
    if (!nodes.TryGetValue(name, out NodeMetadata? node))
    {
        throw new InvalidDataException($"{modelName} has no {role} named '{name}' (its {role}s: {string.Join(", ", nodes.Keys)}); is it a Mae encoder?");
    }

    if (!node.IsTensor)
    {
        throw new InvalidDataException($"The {role} '{name}' of {modelName} is a {node.OnnxValueType}; expected a Single tensor [batch, width].");
    }

    if (node.ElementType != typeof(float) || node.Dimensions.Length != 2)
    {
        throw new InvalidDataException($"The {role} '{name}' of {modelName} is {node.ElementType.Name} {FormatShape(node)}; expected Single [batch, width].");
    }

    return node;
}

// The width is the second dimension of the tensor's shape and, when the model has it, the metadata entry `key`.
static (int Width, string Source) ResolveWidth(
    NodeMetadata node, string name, IReadOnlyDictionary<string, string> metadata, string key, string modelName)
{
    int shapeWidth = node.Dimensions[1];
    if (!metadata.TryGetValue(key, out string? text))
    {
        return shapeWidth > 0
            ? (shapeWidth, $"'{name}' has shape {FormatShape(node)}")
            : throw new InvalidDataException($"The width of '{name}' in {modelName} is unknown: its shape is {FormatShape(node)} and the model has no {key} metadata.");
    }

    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int metadataWidth) || metadataWidth <= 0)
    {
        throw new InvalidDataException($"Model metadata {key}='{text}' of {modelName} is not a positive integer.");
    }

    if (shapeWidth > 0 && shapeWidth != metadataWidth)
    {
        throw new InvalidDataException($"{modelName} contradicts itself: '{name}' has shape {FormatShape(node)} but model metadata {key}={metadataWidth}.");
    }

    return (metadataWidth, $"model metadata {key}={metadataWidth}");
}

static string FormatShape(NodeMetadata node) =>
    "[" + string.Join(", ", node.Dimensions.Select((size, i) => size > 0 ? size.ToString(CultureInfo.InvariantCulture) : node.SymbolicDimensions[i] is { Length: > 0 } symbol ? symbol : "?")) + "]";

static string FormatCode(ReadOnlySpan<float> code)
{
    var parts = new string[code.Length];
    for (int i = 0; i < code.Length; i++)
    {
        parts[i] = code[i].ToString("F4", CultureInfo.InvariantCulture);
    }

    return string.Join(", ", parts);
}

static bool TryParseArguments(string[] args, out string modelPath, out string csvPath, out int batchSize, out string? error)
{
    var positional = new List<string>();
    modelPath = csvPath = string.Empty;
    batchSize = 1024;
    error = null;
    for (int i = 0; i < args.Length; i++)
    {
        if (args[i] == "--batch")
        {
            string? value = ++i < args.Length ? args[i] : null;
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out batchSize) || batchSize <= 0)
            {
                error = value is null ? "--batch needs a positive integer after it." : $"--batch needs a positive integer; got '{value}'.";
                return false;
            }
        }
        else if (args[i].StartsWith("--", StringComparison.Ordinal))
        {
            error = $"Unknown option '{args[i]}'.";
            return false;
        }
        else
        {
            positional.Add(args[i]);
        }
    }

    if (positional.Count != 2)
    {
        error = $"Expected 2 arguments (encoder and CSV file); got {positional.Count}.";
        return false;
    }

    (modelPath, csvPath) = (positional[0], positional[1]);
    return true;
}
