namespace Mae.Export;

/// <summary>
/// How an encoder turns its raw input into the vector its first layer reads.
/// </summary>
public enum InputPreprocessingKind
{
    /// <summary>The input is fed to the first layer unchanged.</summary>
    None,

    /// <summary>Per-feature affine standardisation: <c>(x[i] - Offset[i]) * Scale[i]</c>.</summary>
    Standardization,

    /// <summary>
    /// The input is a single column holding a class index 0..K-1 (as a float), expanded to a
    /// one-hot vector of K floats.
    /// </summary>
    OneHot,

    /// <summary>
    /// The input is a single column holding an ML.NET key value 1..K (as a uint32; key k is class k-1),
    /// expanded to a one-hot vector of K floats. The missing key 0 encodes as all zeros.
    /// </summary>
    KeyOneHot,
}
