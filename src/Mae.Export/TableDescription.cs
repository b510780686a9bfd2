using System.Globalization;

namespace Mae.Export;

/// <summary>
/// A trained model of a table: its columns, the Gaussian encoder that reads them, and the decoder (a trunk on the code and
/// one head whose outputs are cut into the columns' likelihood parameters, in column order).
/// </summary>
/// <remarks>
/// The exported graph has one input per column, named after it (shape [batch, width], or [1, width] for one row). Inside
/// the graph each column becomes its network input (0 for a missing cell) and an observed-cell mask; the encoder reads every
/// column's network input followed by every column's mask. The outputs are the posterior mean (and log-variance, when
/// asked) and, when <see cref="OnnxExportOptions.ImputedColumnSuffix"/> is set, each column that can be missing with its
/// missing cells replaced by the decoder's prediction at the posterior mean (observed cells pass through unchanged).
/// The constructor validates the whole model, so an instance always describes one that can be exported. Instances are immutable.
/// </remarks>
public sealed class TableDescription
{
    private readonly TableColumn[] _columns;
    private readonly DenseLayer[] _decoderHiddenLayers;

    /// <summary>Creates a table model description.</summary>
    /// <param name="columns">The columns, in the order the encoder reads them. At least one; names must be distinct.</param>
    /// <param name="encoder">
    /// The encoder, without preprocessing (<see cref="InputPreprocessing.None"/>): its input width must be the columns'
    /// network widths plus their widths (the masks).
    /// </param>
    /// <param name="decoderHiddenLayers">The decoder's trunk, reading the latent vector; may be empty.</param>
    /// <param name="decoderHead">The decoder's head: its outputs are the columns' head widths, in column order.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The columns are empty or share a name, or a width does not chain; the message names it.</exception>
    public TableDescription(IEnumerable<TableColumn> columns, EncoderDescription encoder, IEnumerable<DenseLayer> decoderHiddenLayers, DenseLayer decoderHead)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(encoder);
        _columns = columns.ToArray();
        if (_columns.Length == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        }

        for (int i = 0; i < _columns.Length; i++)
        {
            if (_columns[i] is null)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"columns[{i}] is null."), nameof(columns));
            }
        }

        string? repeated = _columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new ArgumentException($"Two columns are named '{repeated}'; every column needs its own name (it names the graph input).", nameof(columns));
        }

        if (encoder.Preprocessing.Kind != InputPreprocessingKind.None)
        {
            throw new ArgumentException(
                $"The encoder of a table must have no preprocessing of its own (the columns preprocess); it has {encoder.Preprocessing.Kind}.", nameof(encoder));
        }

        int networkWidth = _columns.Sum(c => c.NetworkWidth + c.Width);
        if (encoder.InputWidth != networkWidth)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"The encoder reads {encoder.InputWidth} values; the columns give {networkWidth} (network inputs {_columns.Sum(c => c.NetworkWidth)} plus masks {_columns.Sum(c => c.Width)})."),
                nameof(encoder));
        }

        (_decoderHiddenLayers, int? trunkWidth) = NetworkValidation.ValidateTrunk(
            "Decoder", decoderHiddenLayers, encoder.LatentDimension, "the latent dimension");
        NetworkValidation.ValidateHead(decoderHead, "Decoder head", trunkWidth,
            NetworkValidation.DescribeTrunkOutput("Decoder", _decoderHiddenLayers.Length, "the latent dimension"), nameof(decoderHead));
        int headWidth = _columns.Sum(c => c.HeadWidth);
        if (decoderHead.OutputSize != headWidth)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Decoder head has OutputSize {decoderHead.OutputSize}; the columns' likelihoods need {headWidth} ({string.Join(", ", _columns.Select(c => $"{c.Name}: {c.HeadWidth}"))})."),
                nameof(decoderHead));
        }

        Encoder = encoder;
        DecoderHead = decoderHead;
    }

    /// <summary>Gets the columns, in the order the encoder reads them.</summary>
    public IReadOnlyList<TableColumn> Columns => _columns;

    /// <summary>Gets the encoder.</summary>
    public EncoderDescription Encoder { get; }

    /// <summary>Gets the decoder's hidden layers (each followed by the encoder's activation); may be empty.</summary>
    public IReadOnlyList<DenseLayer> DecoderHiddenLayers => _decoderHiddenLayers;

    /// <summary>Gets the decoder's head.</summary>
    public DenseLayer DecoderHead { get; }

    /// <summary>Gets the latent dimension d.</summary>
    public int LatentDimension => Encoder.LatentDimension;
}
