namespace Mae.Export;

/// <summary>
/// The nonlinearity applied element-wise after every hidden layer of a network's trunk.
/// Output heads never have an activation.
/// </summary>
public enum HiddenActivation
{
    /// <summary>Hyperbolic tangent: <c>tanh(x)</c>.</summary>
    Tanh,

    /// <summary>Rectified linear unit: <c>max(x, 0)</c>.</summary>
    Relu,

    /// <summary>Exponential linear unit with alpha 1: <c>x</c> for <c>x &gt; 0</c>, otherwise <c>exp(x) - 1</c>.</summary>
    Elu,

    /// <summary>
    /// Gaussian error linear unit in its exact form, <c>0.5 * x * (1 + erf(x / sqrt(2)))</c>
    /// (not the tanh approximation). Exported as Div, Erf, Add and Mul nodes because ONNX opsets
    /// before 20 have no Gelu operator.
    /// </summary>
    Gelu,

    /// <summary>Sigmoid linear unit (swish): <c>x * sigmoid(x)</c>.</summary>
    Silu,
}
