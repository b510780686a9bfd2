namespace Mae.Export.Onnx;

/// <summary>The graph pieces that the table columns' log-likelihoods share.</summary>
internal static class OnnxLikelihood
{
    private static readonly float LogTwoPi = (float)Math.Log(2 * Math.PI);

    /// <summary>The sum over a row's observed cells of per-cell terms [N, W]: [N, 1].</summary>
    public static string ObservedRowSum(OnnxGraphBuilder graph, string cells, string observedFloat, string prefix)
    {
        string masked = graph.AddNode("Mul", $"{prefix}_mask_cells", [cells, observedFloat], $"{prefix}.observed_cells");
        return graph.AddNode("ReduceSum", $"{prefix}_row_sum", [masked, graph.AddInitializer($"{prefix}.row_sum_axes", [1L], 1)],
            $"{prefix}.log_likelihood", OnnxGraphBuilder.IntAttribute("keepdims", 1));
    }

    /// <summary>
    /// log N(u; m, e^v) − ln scale per cell, for standardised values <paramref name="standardised"/> [N, W] and a head [N, 2W]
    /// holding m then v: the Gaussian density of the unstandardised value.
    /// </summary>
    public static string GaussianCells(OnnxGraphBuilder graph, string standardised, string head, int width, ReadOnlySpan<float> scale, string prefix)
    {
        string mean = graph.Slice(head, 0, width, $"{prefix}.ll_mean");
        string logVariance = graph.Slice(head, width, 2 * width, $"{prefix}.ll_log_variance");
        string difference = graph.AddNode("Sub", $"{prefix}_ll_difference", [standardised, mean], $"{prefix}.ll_difference");
        string square = graph.AddNode("Mul", $"{prefix}_ll_square", [difference, difference], $"{prefix}.ll_square");
        string precision = graph.AddNode("Exp", $"{prefix}_ll_precision", [graph.AddNode("Neg", $"{prefix}_ll_negate", [logVariance], $"{prefix}.ll_negative_log_variance")], $"{prefix}.ll_precision");
        string scaled = graph.AddNode("Mul", $"{prefix}_ll_scaled", [square, precision], $"{prefix}.ll_scaled_square");
        string sum = graph.AddNode("Add", $"{prefix}_ll_sum", [logVariance, scaled], $"{prefix}.ll_sum");
        string withConstant = graph.AddNode("Add", $"{prefix}_ll_constant", [sum, graph.Scalar("log_two_pi", LogTwoPi)], $"{prefix}.ll_with_constant");
        string density = graph.AddNode("Mul", $"{prefix}_ll_half", [withConstant, graph.Scalar("minus_half", -0.5f)], $"{prefix}.ll_density");
        float[] logScale = new float[width];
        for (int i = 0; i < width; i++)
        {
            logScale[i] = (float)Math.Log(scale[i]);
        }

        return graph.AddNode("Sub", $"{prefix}_ll_jacobian", [density, graph.AddInitializer($"{prefix}.log_scale", logScale, 1, width)], $"{prefix}.ll_cells");
    }

    /// <summary>
    /// softplus(h) = max(h, 0) + ln(1 + e^−|h|), element-wise, without overflow for large |h|, and with ln(1 + d) taken by
    /// <see cref="Log1p"/> so that it keeps its digits where e^−|h| is small (libtorch's log1p does; ln of 1 + d in float would
    /// round d away below 6e−8, and a softplus of −12 would be off by a few percent).
    /// </summary>
    public static string Softplus(OnnxGraphBuilder graph, string logits, string prefix)
    {
        string magnitude = graph.AddNode("Abs", $"{prefix}_abs", [logits], $"{prefix}.abs");
        string decay = graph.AddNode("Exp", $"{prefix}_decay", [graph.AddNode("Neg", $"{prefix}_negative_abs", [magnitude], $"{prefix}.negative_abs")], $"{prefix}.decay");
        return graph.AddNode("Add", $"{prefix}_softplus", [graph.AddNode("Relu", $"{prefix}_relu", [logits], $"{prefix}.relu"), Log1p(graph, decay, prefix)], $"{prefix}.softplus");
    }

    /// <summary>
    /// ln(1 + d) for d &gt; −1, element-wise (ONNX has no log1p), accurate for small d: with u = 1 + d rounded, ln(u)·d/(u − 1),
    /// and d itself where u rounds to 1 (Goldberg's correction of the rounding in u).
    /// </summary>
    public static string Log1p(OnnxGraphBuilder graph, string d, string prefix)
    {
        string one = graph.Scalar("one", 1f);
        string u = graph.AddNode("Add", $"{prefix}_one_plus", [d, one], $"{prefix}.one_plus");
        string rounded = graph.AddNode("Sub", $"{prefix}_one_plus_less_one", [u, one], $"{prefix}.one_plus_less_one");
        string corrected = graph.AddNode("Div", $"{prefix}_log1p_corrected", [graph.AddNode("Mul", $"{prefix}_log1p_scaled", [graph.AddNode("Log", $"{prefix}_log_one_plus", [u], $"{prefix}.log_one_plus"), d], $"{prefix}.log1p_scaled"), rounded], $"{prefix}.log1p_corrected");
        string exact = graph.AddNode("Equal", $"{prefix}_one_plus_is_one", [u, one], $"{prefix}.one_plus_is_one");
        return graph.AddNode("Where", $"{prefix}_log1p", [exact, d, corrected], $"{prefix}.log1p");
    }

    /// <summary>ln k! = ln Γ(k + 1) for whole k ≥ 0, element-wise (see <see cref="LogGamma"/>).</summary>
    public static string LogFactorial(OnnxGraphBuilder graph, string counts, string prefix) =>
        LogGamma(graph, graph.AddNode("Add", $"{prefix}_plus_one_for_gamma", [counts, graph.Scalar("one", 1f)], $"{prefix}.plus_one_for_gamma"), prefix);

    /// <summary>
    /// ln Γ(x) for x &gt; 0, element-wise (ONNX has no lgamma): Stirling's series for ln Γ(x + 8), whose truncation error is below
    /// 1e-9 there, less ln(x(x + 1)…(x + 7)) taken as a sum of logarithms.
    /// </summary>
    public static string LogGamma(OnnxGraphBuilder graph, string x, string prefix)
    {
        string y = graph.AddNode("Add", $"{prefix}_shifted", [x, graph.Scalar("eight", 8f)], $"{prefix}.shifted");
        string logY = graph.AddNode("Log", $"{prefix}_log_shifted", [y], $"{prefix}.log_shifted");
        string halfLess = graph.AddNode("Sub", $"{prefix}_half_less", [y, graph.Scalar("half", 0.5f)], $"{prefix}.half_less");
        string leading = graph.AddNode("Sub", $"{prefix}_stirling_leading", [graph.AddNode("Mul", $"{prefix}_stirling_product", [halfLess, logY], $"{prefix}.stirling_product"), y], $"{prefix}.stirling_leading");
        string reciprocal = graph.AddNode("Reciprocal", $"{prefix}_reciprocal", [y], $"{prefix}.reciprocal");
        string reciprocalSquare = graph.AddNode("Mul", $"{prefix}_reciprocal_square", [reciprocal, reciprocal], $"{prefix}.reciprocal_square");
        // 1/(12y) − 1/(360y³) + 1/(1260y⁵) = (1/y)·(1/12 − (1/y²)·(1/360 − (1/y²)/1260)).
        string inner = graph.AddNode("Sub", $"{prefix}_series_inner", [graph.Scalar("one_360th", 1f / 360),
            graph.AddNode("Mul", $"{prefix}_series_fifth", [reciprocalSquare, graph.Scalar("one_1260th", 1f / 1260)], $"{prefix}.series_fifth")], $"{prefix}.series_inner");
        string middle = graph.AddNode("Sub", $"{prefix}_series_middle", [graph.Scalar("one_12th", 1f / 12),
            graph.AddNode("Mul", $"{prefix}_series_third", [reciprocalSquare, inner], $"{prefix}.series_third")], $"{prefix}.series_middle");
        string series = graph.AddNode("Mul", $"{prefix}_series", [reciprocal, middle], $"{prefix}.series");
        string logGammaShifted = graph.AddNode("Add", $"{prefix}_log_gamma_shifted",
            [graph.AddNode("Add", $"{prefix}_stirling", [leading, graph.Scalar("half_log_two_pi", 0.5f * LogTwoPi)], $"{prefix}.stirling"), series], $"{prefix}.log_gamma_shifted");

        string expanded = graph.AddNode("Unsqueeze", $"{prefix}_x_expand", [x, graph.AddInitializer($"{prefix}.expand_axes", [2L], 1)], $"{prefix}.x_expanded");
        string factors = graph.AddNode("Add", $"{prefix}_factors", [expanded, graph.AddInitializer($"{prefix}.zero_to_seven", [0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], 8)], $"{prefix}.factors");
        string logFactors = graph.AddNode("ReduceSum", $"{prefix}_log_factors",
            [graph.AddNode("Log", $"{prefix}_log_each_factor", [factors], $"{prefix}.log_each_factor"), graph.AddInitializer($"{prefix}.factor_axes", [2L], 1)],
            $"{prefix}.log_factors", OnnxGraphBuilder.IntAttribute("keepdims", 0));
        return graph.AddNode("Sub", $"{prefix}_log_gamma", [logGammaShifted, logFactors], $"{prefix}.log_gamma");
    }

    /// <summary>KL(N(μ, e^v) ‖ N(0, I)) = ½ Σ (μ² + e^v − v − 1) per row, [N, 1].</summary>
    public static string DivergenceFromPrior(OnnxGraphBuilder graph, string mean, string logVariance)
    {
        string square = graph.AddNode("Mul", "kl_mean_square", [mean, mean], "kl.mean_square");
        string variance = graph.AddNode("Exp", "kl_variance", [logVariance], "kl.variance");
        string sum = graph.AddNode("Sub", "kl_less_log_variance", [graph.AddNode("Add", "kl_sum", [square, variance], "kl.sum"), logVariance], "kl.less_log_variance");
        string terms = graph.AddNode("Mul", "kl_half", [graph.AddNode("Sub", "kl_less_one", [sum, graph.Scalar("one", 1f)], "kl.less_one"), graph.Scalar("half", 0.5f)], "kl.terms");
        return graph.AddNode("ReduceSum", "kl_row_sum", [terms, graph.AddInitializer("kl.axes", [1L], 1)], "kl.divergence", OnnxGraphBuilder.IntAttribute("keepdims", 1));
    }
}
