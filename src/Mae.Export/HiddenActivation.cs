namespace Mae;

// Shared by training (Mae.MLNet) and export (Mae.Export), so it is defined once, in the assembly both reference.
/// <summary>The nonlinearity that follows every hidden layer.</summary>
public enum HiddenActivation
{
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Rectified linear unit, max(0, x).</summary>
    Relu,

    /// <summary>Exponential linear unit with α = 1.</summary>
    Elu,

    /// <summary>
    /// Gaussian error linear unit, exact form 0.5·x·(1 + erf(x/√2)) (not the tanh approximation);
    /// exported as Div, Erf, Add and Mul nodes because ONNX opsets before 20 have no Gelu operator.
    /// </summary>
    Gelu,

    /// <summary>Sigmoid linear unit, x·sigmoid(x).</summary>
    Silu,
}
