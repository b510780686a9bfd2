using System.Globalization;

namespace Mae.Export;

/// <summary>
/// The preprocessing an encoder applies to its raw input inside the exported graph, so that the
/// exported model consumes the same raw values the caller has.
/// </summary>
/// <remarks>
/// Create instances with <see cref="None"/>, <see cref="Standardization"/>, <see cref="OneHot"/> or
/// <see cref="KeyOneHot"/>.
/// Instances are immutable.
/// </remarks>
public sealed class InputPreprocessing
{
    private readonly float[] _offset;
    private readonly float[] _scale;

    private InputPreprocessing(InputPreprocessingKind kind, float[] offset, float[] scale, int classCount)
    {
        Kind = kind;
        _offset = offset;
        _scale = scale;
        ClassCount = classCount;
    }

    /// <summary>Gets the preprocessing that passes the input to the first layer unchanged.</summary>
    public static InputPreprocessing None { get; } = new(InputPreprocessingKind.None, [], [], 0);

    /// <summary>Gets the kind of preprocessing.</summary>
    public InputPreprocessingKind Kind { get; }

    /// <summary>
    /// Gets the per-feature offsets subtracted before scaling. Empty unless <see cref="Kind"/> is
    /// <see cref="InputPreprocessingKind.Standardization"/>.
    /// </summary>
    public ReadOnlyMemory<float> Offset => _offset;

    /// <summary>
    /// Gets the per-feature scales applied after the offset. Empty unless <see cref="Kind"/> is
    /// <see cref="InputPreprocessingKind.Standardization"/>.
    /// </summary>
    public ReadOnlyMemory<float> Scale => _scale;

    /// <summary>
    /// Gets the number of classes K of a one-hot input. Zero unless <see cref="Kind"/> is
    /// <see cref="InputPreprocessingKind.OneHot"/> or <see cref="InputPreprocessingKind.KeyOneHot"/>.
    /// </summary>
    public int ClassCount { get; }

    /// <summary>
    /// Gets the width of the model input this preprocessing expects: the number of features for
    /// standardisation, 1 for either one-hot kind, or <see langword="null"/> for <see cref="InputPreprocessingKind.None"/>
    /// (the width is then the first layer's input size).
    /// </summary>
    public int? InputWidth => Kind switch
    {
        InputPreprocessingKind.Standardization => _offset.Length,
        InputPreprocessingKind.OneHot or InputPreprocessingKind.KeyOneHot => 1,
        _ => null,
    };

    /// <summary>
    /// Gets the width of the vector this preprocessing produces: the number of features for
    /// standardisation, K for either one-hot kind, or <see langword="null"/> for <see cref="InputPreprocessingKind.None"/>.
    /// </summary>
    public int? OutputWidth => Kind switch
    {
        InputPreprocessingKind.Standardization => _offset.Length,
        InputPreprocessingKind.OneHot or InputPreprocessingKind.KeyOneHot => ClassCount,
        _ => null,
    };

    /// <summary>
    /// Creates a per-feature affine standardisation <c>(x[i] - offset[i]) * scale[i]</c>, typically with the
    /// training mean as offset and the reciprocal standard deviation as scale.
    /// </summary>
    /// <param name="offset">Per-feature offsets. Must be non-empty and finite.</param>
    /// <param name="scale">Per-feature scales. Must have the same length as <paramref name="offset"/> and be finite.</param>
    /// <returns>The preprocessing, holding copies of the values.</returns>
    /// <exception cref="ArgumentException">The lengths are zero or differ, or a value is not finite.</exception>
    public static InputPreprocessing Standardization(ReadOnlySpan<float> offset, ReadOnlySpan<float> scale)
    {
        if (offset.IsEmpty)
        {
            throw new ArgumentException("Standardization needs at least one feature; the offset is empty.", nameof(offset));
        }

        if (scale.Length != offset.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Standardization scale has {scale.Length} values; expected one per feature, as in the offset ({offset.Length})."),
                nameof(scale));
        }

        ThrowIfNotFinite(offset, "offset", nameof(offset));
        ThrowIfNotFinite(scale, "scale", nameof(scale));
        return new InputPreprocessing(InputPreprocessingKind.Standardization, offset.ToArray(), scale.ToArray(), 0);
    }

    /// <summary>
    /// Creates a one-hot encoding of a class index: the model input is [batch, 1] holding the index
    /// 0..<paramref name="classCount"/>-1 as a float, and the first layer reads the [batch, K] one-hot vector.
    /// A value that is not exactly one of those indices encodes as all zeros.
    /// </summary>
    /// <param name="classCount">The number of classes K. Must be at least 2.</param>
    /// <returns>The preprocessing.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 2.</exception>
    public static InputPreprocessing OneHot(int classCount)
    {
        ThrowIfTooFewClasses(classCount);
        return new InputPreprocessing(InputPreprocessingKind.OneHot, [], [], classCount);
    }

    /// <summary>
    /// Creates a one-hot encoding of an ML.NET key: the model input is [batch, 1] holding the key as a uint32,
    /// and the first layer reads the [batch, K] one-hot vector. Key k in 1..<paramref name="classCount"/> is
    /// class k-1 (the same vector <see cref="OneHot"/> gives index k-1); the missing key 0 and keys above K
    /// encode as all zeros.
    /// </summary>
    /// <remarks>
    /// ML.NET's ONNX transformer binds a key-typed column (<c>KeyDataViewType</c> over uint) to a uint32 input
    /// and passes the raw key values, so a model with this preprocessing reads such a column directly.
    /// </remarks>
    /// <param name="classCount">The number of classes K, the key count of the column. Must be at least 2.</param>
    /// <returns>The preprocessing.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 2.</exception>
    public static InputPreprocessing KeyOneHot(int classCount)
    {
        ThrowIfTooFewClasses(classCount);
        return new InputPreprocessing(InputPreprocessingKind.KeyOneHot, [], [], classCount);
    }

    private static void ThrowIfTooFewClasses(int classCount)
    {
        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount,
                $"One-hot encoding needs at least 2 classes; got {classCount}.");
        }
    }

    private static void ThrowIfNotFinite(ReadOnlySpan<float> values, string what, string parameterName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Standardization {what}[{i}] is {values[i]}; all values must be finite."),
                    parameterName);
            }
        }
    }
}
