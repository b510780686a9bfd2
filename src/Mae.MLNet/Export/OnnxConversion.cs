using System.Globalization;
using Mae.Export;
using Mae.Modeling;

namespace Mae.Training;

/// <summary>Turns trained TorchSharp networks into the framework-neutral descriptions that <see cref="OnnxExporter"/> writes.</summary>
internal static class OnnxConversion
{
    /// <param name="networks">The trained networks.</param>
    /// <param name="activation">Their hidden nonlinearity.</param>
    /// <param name="keyInput">For a categorical model: read ML.NET key values (uint32, class k − 1 for key k) instead of float class indices.</param>
    public static EncoderDescription Encoder(MutualAutoencoderNetworks networks, HiddenActivation activation, bool keyInput = false)
    {
        var preprocessing = networks.Decoder.EncoderPreprocessing(keyInput);
        var heads = DenseLayers.SplitRows(networks.Encoder.Head, 2);
        return new EncoderDescription(preprocessing, DenseLayers.Hidden(networks.Encoder.Hidden), activation, heads[0], heads[1]);
    }

    /// <summary>The table model of networks trained on a table, each column read as the element type at its index in <paramref name="types"/>.</summary>
    /// <exception cref="InvalidOperationException">The networks were not trained on a table.</exception>
    public static TableDescription Table(MutualAutoencoderNetworks networks, HiddenActivation activation, IReadOnlyList<TableColumnType> types)
    {
        if (networks.Decoder is not Modeling.Columns.TabularDecoder table)
            throw new InvalidOperationException("Only a model trained on a table of columns has a table export.");
        return table.DescribeTable(Encoder(networks, activation), types);
    }

    /// <exception cref="NotSupportedException">The decoder family has no ONNX export.</exception>
    public static DecoderDescription Decoder(MutualAutoencoderNetworks networks) => networks.Decoder.Describe();

    /// <summary>The training figures written to every exported model's metadata_props.</summary>
    public static OnnxExportOptions ExportOptions(MutualAutoencoderTrainingReport report, bool includeLogVariance)
    {
        var options = new OnnxExportOptions { IncludeLogVariance = includeLogVariance };
        var final = report.Final;
        var metadata = options.Metadata;
        metadata[OnnxMetadataKeys.TargetInformation] = Format(report.TargetInformation);
        metadata[OnnxMetadataKeys.Objective] = report.Objective.ToString();
        metadata[OnnxMetadataKeys.Penalty] = report.Penalty.ToString();
        metadata[OnnxMetadataKeys.InformationBound] = Format(final.InformationBound);
        if (final.ExactInformation is double exact)
            metadata[OnnxMetadataKeys.ExactInformation] = Format(exact);
        metadata[OnnxMetadataKeys.AggregatePosteriorInformation] = Format(final.AggregatePosteriorInformation);
        metadata[OnnxMetadataKeys.InformationCap] = Format(final.InformationCap);
        metadata[OnnxMetadataKeys.MarginalDivergence] = Format(final.MarginalDivergence);
        metadata[OnnxMetadataKeys.Rate] = Format(final.Rate);
        metadata[OnnxMetadataKeys.Elbo] = Format(final.Elbo);
        metadata[OnnxMetadataKeys.ActiveUnits] = final.ActiveUnits.ToString(CultureInfo.InvariantCulture);
        return options;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
