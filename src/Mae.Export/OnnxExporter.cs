using System.Globalization;
using Google.Protobuf;
using Mae.Export.Onnx;

namespace Mae.Export;

/// <summary>
/// Writes encoder and decoder descriptions as ONNX models (IR version 8, default-domain opset 13). By default every
/// input and output has a symbolic batch dimension named <c>batch</c>; <see cref="OnnxExportOptions.TensorLayout"/>
/// selects one row per run instead.
/// </summary>
/// <remarks>
/// The output is deterministic: the same description and options always produce the same bytes.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>
    /// Writes <paramref name="encoder"/> as an ONNX model to <paramref name="destination"/>, with default options.
    /// </summary>
    /// <param name="encoder">The encoder to write.</param>
    /// <param name="destination">A writable stream; written from its current position and left open.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not writable.</exception>
    public static void WriteEncoder(EncoderDescription encoder, Stream destination) =>
        WriteEncoder(encoder, destination, new OnnxExportOptions());

    /// <summary>Writes <paramref name="encoder"/> as an ONNX model to <paramref name="destination"/>.</summary>
    /// <param name="encoder">The encoder to write.</param>
    /// <param name="destination">A writable stream; written from its current position and left open.</param>
    /// <param name="options">Export options: metadata, model version, tensor names and layout, the log-variance output, slot names.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="destination"/> is not writable, or the options are invalid (see <see cref="OnnxExportOptions"/>).
    /// </exception>
    public static void WriteEncoder(EncoderDescription encoder, Stream destination, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ModelProto model = OnnxModelFactory.CreateEncoder(encoder, ValidateEncoderOptions(encoder, options));
        WriteToStream(model, destination);
    }

    /// <summary>
    /// Writes <paramref name="encoder"/> as an ONNX model to the file <paramref name="path"/>, with default options.
    /// </summary>
    /// <param name="encoder">The encoder to write.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left behind.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied; no partial file is left behind.</exception>
    public static void WriteEncoder(EncoderDescription encoder, string path) =>
        WriteEncoder(encoder, path, new OnnxExportOptions());

    /// <summary>Writes <paramref name="encoder"/> as an ONNX model to the file <paramref name="path"/>.</summary>
    /// <param name="encoder">The encoder to write.</param>
    /// <param name="path">
    /// The file to create or replace. The model is written to a temporary file in the same directory that then
    /// replaces <paramref name="path"/>, so a failed write leaves no partial file.
    /// </param>
    /// <param name="options">Export options: metadata, model version, tensor names and layout, the log-variance output, slot names.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the options are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left behind.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied; no partial file is left behind.</exception>
    public static void WriteEncoder(EncoderDescription encoder, string path, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto model = OnnxModelFactory.CreateEncoder(encoder, ValidateEncoderOptions(encoder, options));
        WriteToFile(model, path);
    }

    /// <summary>
    /// Writes <paramref name="decoder"/> as an ONNX model to <paramref name="destination"/>, with default options.
    /// </summary>
    /// <param name="decoder">The decoder to write.</param>
    /// <param name="destination">A writable stream; written from its current position and left open.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not writable.</exception>
    public static void WriteDecoder(DecoderDescription decoder, Stream destination) =>
        WriteDecoder(decoder, destination, new OnnxExportOptions());

    /// <summary>Writes <paramref name="decoder"/> as an ONNX model to <paramref name="destination"/>.</summary>
    /// <param name="decoder">The decoder to write.</param>
    /// <param name="destination">A writable stream; written from its current position and left open.</param>
    /// <param name="options">Export options: metadata, model version and tensor layout.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="destination"/> is not writable, or the options are invalid (see <see cref="OnnxExportOptions"/>).
    /// </exception>
    public static void WriteDecoder(DecoderDescription decoder, Stream destination, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ModelProto model = OnnxModelFactory.CreateDecoder(decoder, ValidateOptions(options));
        WriteToStream(model, destination);
    }

    /// <summary>
    /// Writes <paramref name="decoder"/> as an ONNX model to the file <paramref name="path"/>, with default options.
    /// </summary>
    /// <param name="decoder">The decoder to write.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left behind.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied; no partial file is left behind.</exception>
    public static void WriteDecoder(DecoderDescription decoder, string path) =>
        WriteDecoder(decoder, path, new OnnxExportOptions());

    /// <summary>Writes <paramref name="decoder"/> as an ONNX model to the file <paramref name="path"/>.</summary>
    /// <param name="decoder">The decoder to write.</param>
    /// <param name="path">
    /// The file to create or replace. The model is written to a temporary file in the same directory that then
    /// replaces <paramref name="path"/>, so a failed write leaves no partial file.
    /// </param>
    /// <param name="options">Export options: metadata, model version and tensor layout.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the options are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left behind.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied; no partial file is left behind.</exception>
    public static void WriteDecoder(DecoderDescription decoder, string path, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto model = OnnxModelFactory.CreateDecoder(decoder, ValidateOptions(options));
        WriteToFile(model, path);
    }

    /// <summary>
    /// Writes <paramref name="table"/> as an ONNX model to <paramref name="destination"/>: one input per column, named after
    /// it, the posterior mean (and log-variance, when asked) and, when <see cref="OnnxExportOptions.ImputedColumnSuffix"/> is
    /// set, the imputed columns; when <see cref="OnnxExportOptions.AnomalyScoreName"/> is set, the anomaly score (and with
    /// <see cref="OnnxExportOptions.PredictedLabelName"/>, whether it exceeds <see cref="OnnxExportOptions.AnomalyThreshold"/>).
    /// See <see cref="TableDescription"/>.
    /// </summary>
    /// <param name="table">The table model to write.</param>
    /// <param name="destination">A writable stream; written from its current position and left open.</param>
    /// <param name="options">Export options; <see cref="OnnxExportOptions.EncoderInputName"/> is not used (the columns name the inputs).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="destination"/> is not writable, or the options are invalid, or two of the graph's inputs and outputs would share a name.
    /// </exception>
    public static void WriteTable(TableDescription table, Stream destination, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ModelProto model = OnnxModelFactory.CreateTable(table, ValidateTableOptions(table, options));
        WriteToStream(model, destination);
    }

    /// <summary>Writes <paramref name="table"/> as an ONNX model to the file <paramref name="path"/>; see <see cref="WriteTable(TableDescription, Stream, OnnxExportOptions)"/>.</summary>
    /// <param name="table">The table model to write.</param>
    /// <param name="path">The file to create or replace; a failed write leaves no partial file.</param>
    /// <param name="options">Export options.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the options are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left behind.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied; no partial file is left behind.</exception>
    public static void WriteTable(TableDescription table, string path, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto model = OnnxModelFactory.CreateTable(table, ValidateTableOptions(table, options));
        WriteToFile(model, path);
    }

    private static OnnxExportOptions ValidateTableOptions(TableDescription table, OnnxExportOptions options)
    {
        ValidateEncoderOptions(table.Encoder, options);
        if (options.ImputedColumnSuffix is { Length: 0 })
        {
            throw new ArgumentException("ImputedColumnSuffix must not be empty: an imputed output cannot share its column's name. Use null for no imputed outputs.", nameof(options));
        }

        int latent = table.Encoder.LatentDimension;
        ReadOnlySpan<float> noise = options.ImputationNoise.Span;
        if (noise.Length % latent != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"ImputationNoise holds {noise.Length} values; it must hold K rows of the latent dimension {latent}, a multiple of {latent}."), nameof(options));
        }

        for (int i = 0; i < noise.Length; i++)
        {
            if (!float.IsFinite(noise[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"ImputationNoise[{i}] (draw {i / latent}, dimension {i % latent}) is {noise[i]}; every draw must be finite."), nameof(options));
            }
        }

        var names = new List<string>(table.Columns.Select(c => c.Name)) { options.EncoderMeanName };
        if (options.IncludeLogVariance)
        {
            names.Add(options.EncoderLogVarianceName);
        }

        if (options.ImputedColumnSuffix is string suffix)
        {
            names.AddRange(table.Columns.Where(c => c.CanBeMissing).Select(c => c.Name + suffix));
        }

        if (options.AnomalyScoreName is { Length: 0 } || options.PredictedLabelName is { Length: 0 })
        {
            throw new ArgumentException("AnomalyScoreName and PredictedLabelName must not be empty. Use null for no such output.", nameof(options));
        }

        if (options.PredictedLabelName is string label)
        {
            if (options.AnomalyScoreName is null)
            {
                throw new ArgumentException($"PredictedLabelName is '{label}' but AnomalyScoreName is null; the predicted label compares the anomaly score with AnomalyThreshold, so set both.", nameof(options));
            }

            if (!float.IsFinite(options.AnomalyThreshold))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"AnomalyThreshold is {options.AnomalyThreshold}; the predicted label needs a finite threshold."), nameof(options));
            }

            names.Add(label);
        }

        if (options.AnomalyScoreName is string score)
        {
            names.Add(score);
        }

        string? repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new ArgumentException($"The table model's inputs and outputs would use the name '{repeated}' twice; rename the column or the output.", nameof(options));
        }

        return options;
    }

    private static OnnxExportOptions ValidateEncoderOptions(EncoderDescription encoder, OnnxExportOptions options)
    {
        ValidateOptions(options);
        if (options.EncoderSlotNames is { } names)
        {
            if (names.Count != encoder.LatentDimension)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture,
                        $"EncoderSlotNames holds {names.Count} names; the encoder's latent dimension is {encoder.LatentDimension}, so it needs {encoder.LatentDimension}."),
                    nameof(options));
            }

            for (int i = 0; i < names.Count; i++)
            {
                if (names[i] is null)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"EncoderSlotNames[{i}] is null; every dimension needs a name."),
                        nameof(options));
                }
            }
        }

        return options;
    }

    private static OnnxExportOptions ValidateOptions(OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ModelVersion < 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"ModelVersion must not be negative; got {options.ModelVersion}."),
                nameof(options));
        }

        if (!Enum.IsDefined(options.TensorLayout))
        {
            throw new ArgumentException(
                $"TensorLayout is {options.TensorLayout}; expected {nameof(OnnxTensorLayout.Batch)} or {nameof(OnnxTensorLayout.SingleRow)}.",
                nameof(options));
        }

        string[] names = [options.EncoderInputName, options.EncoderMeanName, options.EncoderLogVarianceName];
        if (names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException(
                $"The encoder's tensor names must be non-empty and distinct; got input '{options.EncoderInputName}', " +
                $"mean '{options.EncoderMeanName}', log-variance '{options.EncoderLogVarianceName}'.",
                nameof(options));
        }

        foreach (KeyValuePair<string, string> entry in options.Metadata)
        {
            if (string.IsNullOrEmpty(entry.Key))
            {
                throw new ArgumentException("Metadata keys must not be empty.", nameof(options));
            }

            if (entry.Value is null)
            {
                throw new ArgumentException($"Metadata value for key '{entry.Key}' is null.", nameof(options));
            }
        }

        return options;
    }

    private static void WriteToStream(ModelProto model, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream is not writable.", nameof(destination));
        }

        model.WriteTo(destination);
        destination.Flush();
    }

    private static void WriteToFile(ModelProto model, string path)
    {
        byte[] bytes = model.ToByteArray();
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new IOException($"Cannot write the ONNX model to '{path}': {exception.Message}", exception);
        }

        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporaryPath, bytes);
            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporaryPath);
            string message = $"Cannot write the ONNX model to '{fullPath}': {exception.Message}";
            if (exception is UnauthorizedAccessException)
            {
                throw new UnauthorizedAccessException(message, exception);
            }

            throw new IOException(message, exception);
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is the one worth reporting.
        }
    }

    /// <summary>Default values of <see cref="OnnxExportOptions"/>.</summary>
    internal static class Defaults
    {
        public const long ModelVersion = 1;
        public const bool IncludeLogVariance = false;
        public const OnnxTensorLayout TensorLayout = OnnxTensorLayout.Batch;
    }
}
