using Mae.Export;

namespace Mae.Modeling;

/// <summary>
/// What the three networks are built from: the code's width, the trunks, and the decoder family with its own sizes (the public
/// options build it; Modeling reads this, never the options, so that dependencies run one way: the public API → Training → Modeling).
/// </summary>
/// <param name="Decoder">The decoder family (a table's decoder is built from its columns instead).</param>
/// <param name="LatentDimension">d.</param>
/// <param name="HiddenSizes">Widths of the hidden layers of the encoder, the decoder's trunk and r.</param>
/// <param name="Activation">The trunks' nonlinearity.</param>
/// <param name="NumberOfClasses">K of the categorical family; 0 otherwise.</param>
/// <param name="GroupSize">Features an autoregressive decoder draws per step; <c>null</c> for its default.</param>
/// <param name="DecoderHiddenSize">Width of an autoregressive decoder's GRU state.</param>
/// <param name="EncoderServesAsAuxiliary">Whether the encoder is also r, so that no separate auxiliary network is built.</param>
internal sealed record NetworkSettings(
    DecoderFamily Decoder, int LatentDimension, IReadOnlyList<int> HiddenSizes, HiddenActivation Activation,
    int NumberOfClasses, int? GroupSize, int DecoderHiddenSize, bool EncoderServesAsAuxiliary);
