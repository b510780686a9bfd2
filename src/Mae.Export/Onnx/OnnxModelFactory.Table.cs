using System.Globalization;

namespace Mae.Export.Onnx;

internal static partial class OnnxModelFactory
{
    /// <summary>
    /// The graph of a table model: one input per column; the columns of one kind and input type read together (<see cref="ColumnGroups"/>),
    /// each group's network input and mask; the encoder on their concatenation, gathered back into the table's column order; and
    /// (when <see cref="OnnxExportOptions.ImputedColumnSuffix"/> or <see cref="OnnxExportOptions.AnomalyScoreName"/> is set) the decoder
    /// at the posterior mean, its head gathered into the groups' order, with each column's missing cells replaced by its prediction
    /// and the anomaly score; with <see cref="OnnxExportOptions.ImputationNoise"/>, the decoder also on the K fixed draws' codes (one
    /// pass over all the rows), whose importance weights give the imputed cells.
    /// </summary>
    public static ModelProto CreateTable(TableDescription table, OnnxExportOptions options)
    {
        EncoderDescription encoder = table.Encoder;
        int latent = encoder.LatentDimension;
        var graph = new OnnxGraphBuilder("mae_table", options.TensorLayout);
        string imputedNote = options.ImputedColumnSuffix is null ? "." : $", and each column that can be missing, imputed, as {{column}}{options.ImputedColumnSuffix}.";
        graph.Documentation = string.Create(CultureInfo.InvariantCulture,
            $"Mae table model: {table.Columns.Count} column inputs ({string.Join(", ", table.Columns.Select(c => $"{c.Name}: {c.Kind}"))}) to the posterior {options.EncoderMeanName} {graph.DescribeOutput(latent)}{imputedNote}");

        var inputs = new string[table.Columns.Count];
        for (int i = 0; i < table.Columns.Count; i++)
        {
            TableColumn column = table.Columns[i];
            inputs[i] = graph.AddInput(column.Name, column.Width, column.ElementType, column.DescribeInput());
        }

        // Columns of one kind and input type are read as one wider column; the encoder and the decoder keep the table's order.
        var groups = ColumnGroups.Build(table.Columns);
        var groupInputs = new string[groups.Groups.Count];
        var values = new ColumnValues[groups.Groups.Count];
        for (int g = 0; g < groups.Groups.Count; g++)
        {
            ColumnGroup group = groups.Groups[g];
            groupInputs[g] = group.Members.Length == 1
                ? inputs[group.Members[0]]
                : graph.AddNode("Concat", $"{Prefix(g)}_concat", [.. group.Members.Select(c => inputs[c])], $"{Prefix(g)}.input", OnnxGraphBuilder.IntAttribute("axis", 1));
            values[g] = group.Column.AddNetworkInput(graph, groupInputs[g], Prefix(g));
        }

        string[] parts = [.. values.Select(v => v.NetworkInput), .. values.Select(v => v.ObservedFloat)];
        string networkInput = graph.AddNode("Concat", "network_input_concat", parts, groups.Reordered ? "network_input.grouped" : "network_input", OnnxGraphBuilder.IntAttribute("axis", 1));
        if (groups.Reordered)
        {
            networkInput = graph.AddNode("Gather", "network_input_order", [networkInput, graph.AddInitializer("network_input.order", groups.EncoderInputOrder, groups.EncoderInputOrder.Length)],
                "network_input", OnnxGraphBuilder.IntAttribute("axis", 1));
        }

        string trunk = AddTrunk(graph, encoder.HiddenLayers, encoder.Activation, networkInput);

        var outputs = new List<string>();
        string meanRow = AddRowOutput(graph, encoder.MeanHead, "mean_head", trunk, options.EncoderMeanName);
        graph.AddOutput(options.EncoderMeanName, latent, "Posterior mean of the latent vector.");
        outputs.Add(options.EncoderMeanName);
        string? logVarianceRowName = null;
        if (options.IncludeLogVariance)
        {
            logVarianceRowName = AddRowOutput(graph, encoder.LogVarianceHead, "log_variance_head", trunk, options.EncoderLogVarianceName);
            graph.AddOutput(options.EncoderLogVarianceName, latent, "Posterior log-variance (natural logarithm) of the latent vector.");
            outputs.Add(options.EncoderLogVarianceName);
        }

        if (options.ImputedColumnSuffix is not null || options.AnomalyScoreName is not null)
        {
            int draws = options.ImputationNoise.Length / latent;
            bool weighted = options.ImputedColumnSuffix is not null && draws > 0;
            string? logVarianceRow = logVarianceRowName;
            if (logVarianceRow is null && (weighted || options.AnomalyScoreName is not null))
            {
                logVarianceRow = AddDense(graph, encoder.LogVarianceHead, "score_log_variance_head", trunk, "score.log_variance");
            }

            // Weighted: one decoder pass over the K fixed draws' codes, [K·N] rows, after the posterior mean's N rows when the score
            // reads them too.
            bool meanRows = !weighted || options.AnomalyScoreName is not null;
            string? drawCodes = weighted ? AddImputationCodes(graph, meanRow, logVarianceRow!, options.ImputationNoise.Span, latent) : null;
            string codes = drawCodes is null ? meanRow
                : meanRows ? graph.AddNode("Concat", "decoder_codes_concat", [meanRow, drawCodes], "decoder_codes", OnnxGraphBuilder.IntAttribute("axis", 0))
                : drawCodes;
            string[] slices = AddDecoderHeads(graph, table, groups, encoder, codes);
            string[] meanSlices = slices, drawSlices = slices;
            if (weighted && meanRows)
            {
                // Each group's head as [1 + K, N, width]: the posterior mean's rows, then the draws' K·N rows.
                meanSlices = new string[slices.Length];
                drawSlices = new string[slices.Length];
                for (int g = 0; g < slices.Length; g++)
                {
                    int width = groups.Groups[g].Column.HeadWidth;
                    string byDraw = ByDraw(graph, slices[g], draws + 1, width, $"{Prefix(g)}_head");
                    meanSlices[g] = graph.AddNode("Gather", $"{Prefix(g)}_mean_head", [byDraw, graph.AddInitializer($"{Prefix(g)}.mean_head_index", [0L])], $"{Prefix(g)}.mean_head",
                        OnnxGraphBuilder.IntAttribute("axis", 0));
                    string draws3 = graph.AddNode("Slice", $"{Prefix(g)}_draw_heads", [byDraw, graph.AddInitializer($"{Prefix(g)}.draw_heads_start", [1L], 1),
                        graph.AddInitializer($"{Prefix(g)}.draw_heads_end", [draws + 1L], 1), graph.AddInitializer($"{Prefix(g)}.draw_heads_axes", [0L], 1)], $"{Prefix(g)}.draw_heads_by_draw");
                    drawSlices[g] = graph.AddNode("Reshape", $"{Prefix(g)}_draw_head_rows", [draws3, graph.AddInitializer($"{Prefix(g)}.draw_head_rows_shape", [-1L, width], 2)],
                        $"{Prefix(g)}.draw_heads");
                }
            }

            if (options.ImputedColumnSuffix is string suffix)
            {
                Func<int, string> prediction = weighted
                    ? AddWeightedPredictions(graph, groups, values, drawSlices, drawCodes!, logVarianceRow!, options.ImputationNoise.Span, latent)
                    : g => groups.Groups[g].Column.AddPrediction(graph, slices[g], Prefix(g));
                AddImputedColumns(graph, table, groups, groupInputs, values, prediction, suffix);
            }

            if (options.AnomalyScoreName is string scoreName)
            {
                AddAnomalyScore(graph, groups, values, meanSlices, meanRow, logVarianceRow!, scoreName, options);
            }
        }

        if (options.EncoderSlotNames is { } slotNames)
        {
            foreach (string output in outputs)
            {
                AddSlotNames(graph, output, slotNames);
            }
        }

        var metadata = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.ModelKind, "table"),
            new(OnnxMetadataKeys.LatentDimension, Format(latent)),
            new(OnnxMetadataKeys.HiddenActivation, Name(encoder.Activation)),
            new(OnnxMetadataKeys.InputPreprocessing, "table"),
            new(OnnxMetadataKeys.InputWidth, Format(table.Columns.Sum(c => c.Width))),
        };
        return CreateModel(graph.Build(), "Mae table model.", metadata, options, importMachineLearningDomain: options.EncoderSlotNames is not null);
    }

    /// <summary>
    /// Each column that can be missing, with its missing cells replaced by its prediction, as the output <c>{column}{suffix}</c>;
    /// a group's imputed values are cut back into its members' columns. The outputs follow the table's column order.
    /// </summary>
    private static void AddImputedColumns(OnnxGraphBuilder graph, TableDescription table, ColumnGroups groups, string[] groupInputs, ColumnValues[] values, Func<int, string> predictionOf, string suffix)
    {
        var imputedRows = new string?[table.Columns.Count];
        for (int g = 0; g < groups.Groups.Count; g++)
        {
            ColumnGroup group = groups.Groups[g];
            if (!group.Column.CanBeMissing)
            {
                continue;
            }

            string prefix = Prefix(g);
            string prediction = predictionOf(g);
            string imputed = graph.AddNode("Where", $"{prefix}_impute", [values[g].ObservedBool, groupInputs[g], prediction], $"{prefix}.imputed_rows");
            for (int j = 0; j < group.Members.Length; j++)
            {
                int start = group.MemberStarts[j];
                imputedRows[group.Members[j]] = group.Members.Length == 1
                    ? imputed
                    : graph.Slice(imputed, start, start + table.Columns[group.Members[j]].Width, $"{prefix}.imputed_rows_{j}");
            }
        }

        for (int i = 0; i < table.Columns.Count; i++)
        {
            if (imputedRows[i] is not string rows)
            {
                continue;
            }

            TableColumn column = table.Columns[i];
            string name = column.Name + suffix;
            if (graph.Layout == OnnxTensorLayout.Batch)
            {
                graph.AddNode("Identity", $"imputed_{i}_output", [rows], name);
            }
            else
            {
                graph.AddNode("Squeeze", $"imputed_{i}_squeeze", [rows, graph.AddInitializer($"imputed_{i}.squeeze_axes", [0L], 1)], name);
            }

            graph.AddOutput(name, column.Width, column.ElementType,
                $"Column '{column.Name}' with each missing cell replaced by the model's prediction; observed cells unchanged.");
        }
    }

    /// <summary>
    /// The anomaly score KL(q(z|x) ‖ p(z)) − Σ_columns log p(x_observed | z = μ) as the output <paramref name="scoreName"/>, and
    /// with <see cref="OnnxExportOptions.PredictedLabelName"/> whether it exceeds <see cref="OnnxExportOptions.AnomalyThreshold"/>.
    /// </summary>
    private static void AddAnomalyScore(OnnxGraphBuilder graph, ColumnGroups groups, ColumnValues[] values, string[] heads,
        string mean, string logVariance, string scoreName, OnnxExportOptions options)
    {
        string score = OnnxLikelihood.DivergenceFromPrior(graph, mean, logVariance);
        for (int i = 0; i < groups.Groups.Count; i++)
        {
            string logLikelihood = groups.Groups[i].Column.AddLogLikelihood(graph, heads[i], values[i], Prefix(i));
            score = graph.AddNode("Sub", $"score_less_{Prefix(i)}", [score, logLikelihood], $"score.after_{Prefix(i)}");
        }

        // A row the model cannot judge scores +∞, so that it is flagged rather than passed as normal: an observed value that
        // breaks its column's rule, no observed cell at all, or a score that is not a number.
        string flagged = graph.AddNode("IsNaN", "score_is_nan", [score], "score.is_nan");
        string observedCount = null!;
        for (int i = 0; i < groups.Groups.Count; i++)
        {
            string observed = graph.AddNode("ReduceSum", $"score_observed_{Prefix(i)}", [values[i].ObservedFloat, graph.AddInitializer($"score.observed_axes_{Prefix(i)}", [1L], 1)],
                $"score.observed_{Prefix(i)}", OnnxGraphBuilder.IntAttribute("keepdims", 1));
            observedCount = i == 0 ? observed : graph.AddNode("Add", $"score_observed_sum_{Prefix(i)}", [observedCount, observed], $"score.observed_sum_{Prefix(i)}");
            if (groups.Groups[i].Column.AddInvalidCells(graph, values[i], Prefix(i)) is string invalid)
            {
                string any = graph.AddNode("ReduceMax", $"score_invalid_{Prefix(i)}", [graph.Cast(invalid, TensorProto.Types.DataType.Float, $"score.invalid_float_{Prefix(i)}")],
                    $"score.invalid_{Prefix(i)}", OnnxGraphBuilder.IntsAttribute("axes", [1L]), OnnxGraphBuilder.IntAttribute("keepdims", 1));
                flagged = graph.AddNode("Or", $"score_flag_{Prefix(i)}", [flagged, graph.AddNode("Greater", $"score_any_{Prefix(i)}", [any, graph.Scalar("zero", 0f)], $"score.any_{Prefix(i)}")],
                    $"score.flagged_{Prefix(i)}");
            }
        }

        string empty = graph.AddNode("Less", "score_no_observed_cell", [observedCount, graph.Scalar("half", 0.5f)], "score.no_observed_cell");
        flagged = graph.AddNode("Or", "score_flag_empty", [flagged, empty], "score.flagged");
        score = graph.AddNode("Where", "score_flag", [flagged, graph.Scalar("positive_infinity", float.PositiveInfinity), score], "score.judged");
        string scoreRow = AddRowValue(graph, score, "score", scoreName);
        graph.AddOutput(scoreName, 1,
            "Anomaly score: the negative ELBO at the posterior mean, -log p(x | z = mean) + KL(q(z|x) || p(z)), in nats over the row's observed cells; higher is more unusual.");
        if (options.PredictedLabelName is string labelName)
        {
            string above = graph.AddNode("Greater", "predicted_label_greater", [scoreRow, graph.Scalar("anomaly_threshold", options.AnomalyThreshold)],
                graph.Layout == OnnxTensorLayout.Batch ? labelName : "predicted_label.row");
            if (graph.Layout == OnnxTensorLayout.SingleRow)
            {
                graph.AddNode("Squeeze", "predicted_label_squeeze", [above, graph.AddInitializer("predicted_label.squeeze_axes", [0L], 1)], labelName);
            }

            graph.AddOutput(labelName, 1, TensorProto.Types.DataType.Bool,
                string.Create(CultureInfo.InvariantCulture, $"Whether the anomaly score exceeds {options.AnomalyThreshold:R}."));
        }
    }

    /// <summary>Names the [rows, 1] value <paramref name="value"/> as the output <paramref name="output"/> (squeezed to [1] for one row); returns the [rows, 1] value.</summary>
    private static string AddRowValue(OnnxGraphBuilder graph, string value, string prefix, string output)
    {
        if (graph.Layout == OnnxTensorLayout.Batch)
        {
            return graph.AddNode("Identity", $"{prefix}_output", [value], output);
        }

        graph.AddNode("Squeeze", $"{prefix}_squeeze", [value, graph.AddInitializer($"{prefix}.squeeze_axes", [0L], 1)], output);
        return value;
    }

    /// <summary>
    /// The decoder's head on <paramref name="codes"/>, cut into the groups' slices (the head gathered into the groups' order, with a
    /// logit of −10⁹ for a padding output).
    /// </summary>
    private static string[] AddDecoderHeads(OnnxGraphBuilder graph, TableDescription table, ColumnGroups groups, EncoderDescription encoder, string codes)
    {
        string decoderTrunk = AddTrunk(graph, table.DecoderHiddenLayers, encoder.Activation, codes, "decoder_hidden");
        string head = AddDense(graph, table.DecoderHead, "decoder_head", decoderTrunk, "decoder_head.output");
        if (groups.Reordered)
        {
            // A padding output reads a logit of −10⁹ appended after the head's last output.
            int headWidth = table.DecoderHead.OutputSize;
            if (groups.Padded)
            {
                head = graph.AddNode("Pad", "decoder_head_pad", [head, graph.AddInitializer("decoder_head.pads", [0L, 0L, 0L, 1L], 4), graph.Scalar("padding_logit", -1e9f)],
                    "decoder_head.padded");
            }

            long[] order = [.. groups.HeadOrder.Select(i => i == ColumnGroups.PaddingOutput ? headWidth : i)];
            head = graph.AddNode("Gather", "decoder_head_order", [head, graph.AddInitializer("decoder_head.order", order, order.Length)],
                "decoder_head.grouped", OnnxGraphBuilder.IntAttribute("axis", 1));
        }

        var slices = new string[groups.Groups.Count];
        int offset = 0;
        for (int g = 0; g < groups.Groups.Count; g++)
        {
            int width = groups.Groups[g].Column.HeadWidth;
            slices[g] = groups.Groups.Count == 1 ? head : graph.Slice(head, offset, offset + width, $"{Prefix(g)}.head");
            offset += width;
        }

        return slices;
    }

    /// <summary>
    /// The codes of imputation by importance, [K·N, d]: z_k = μ + σ·ε_k for the fixed draws ε [K, d] (the same for every row); draw k of
    /// row n at k·N + n.
    /// </summary>
    private static string AddImputationCodes(OnnxGraphBuilder graph, string mean, string logVariance, ReadOnlySpan<float> noise, int latent)
    {
        string deviation = graph.AddNode("Exp", "impute_deviation", [graph.AddNode("Mul", "impute_half_log_variance", [logVariance, graph.Scalar("half", 0.5f)], "impute.half_log_variance")],
            "impute.deviation");
        string axisZero = graph.AddInitializer("impute.axis_zero", [0L], 1);
        string spread = graph.AddNode("Mul", "impute_spread", [graph.AddNode("Unsqueeze", "impute_deviation_unsqueeze", [deviation, axisZero], "impute.deviation_rows"),
            graph.AddInitializer("impute.noise", noise, noise.Length / latent, 1, latent)], "impute.spread");
        string codes = graph.AddNode("Add", "impute_codes", [graph.AddNode("Unsqueeze", "impute_mean_unsqueeze", [mean, axisZero], "impute.mean_rows"), spread], "impute.codes_by_draw");
        return graph.AddNode("Reshape", "impute_codes_rows", [codes, graph.AddInitializer("impute.codes_shape", [-1L, latent], 2)], "impute.codes");
    }

    /// <summary>A value [B·N, <paramref name="width"/>] over B blocks of N rows (draw k of row n at k·N + n) as [B, N, width].</summary>
    private static string ByDraw(OnnxGraphBuilder graph, string value, long blocks, int width, string prefix) =>
        graph.AddNode("Reshape", $"{prefix}_by_draw", [value, graph.AddInitializer($"{prefix}.by_draw_shape", [blocks, -1L, width], 3)], $"{prefix}.by_draw");

    /// <summary>
    /// Each group's prediction by importance: the draws' weights w_k ∝ p(x_obs|z_k)·p(z_k)/q(z_k|x_obs) normalised over k (uniform for a
    /// row whose weights are not numbers, such as a row with a value its column cannot hold), and the decision on the weighted summary;
    /// <paramref name="heads"/> are the groups' head slices [K·N, width] and <paramref name="codes"/> the draws' codes [K·N, d].
    /// </summary>
    private static Func<int, string> AddWeightedPredictions(OnnxGraphBuilder graph, ColumnGroups groups, ColumnValues[] values, string[] heads,
        string codes, string logVariance, ReadOnlySpan<float> noise, int latent)
    {
        int draws = noise.Length / latent;
        string repeats = graph.AddInitializer("impute.tile_repeats", [draws, 1L], 2);
        string logLikelihood = null!;
        for (int g = 0; g < groups.Groups.Count; g++)
        {
            string prefix = $"impute_{Prefix(g)}";
            ColumnValues v = values[g];
            var tiled = new ColumnValues(
                graph.AddNode("Tile", $"{prefix}_tile_input", [v.NetworkInput, repeats], $"{prefix}.network_input"),
                graph.AddNode("Tile", $"{prefix}_tile_observed", [v.ObservedFloat, repeats], $"{prefix}.observed_float"),
                graph.AddNode("Tile", $"{prefix}_tile_observed_bool", [v.ObservedBool, repeats], $"{prefix}.observed_bool"),
                graph.AddNode("Tile", $"{prefix}_tile_values", [v.Values, repeats], $"{prefix}.values"));
            string term = groups.Groups[g].Column.AddLogLikelihood(graph, heads[g], tiled, prefix);
            logLikelihood = g == 0 ? term : graph.AddNode("Add", $"impute_log_likelihood_through_{Prefix(g)}", [logLikelihood, term], $"impute.log_likelihood_through_{Prefix(g)}");
        }

        // log p(z) − log q(z|x) = −½ Σ z² + ½ Σ ε² + ½ Σ log σ² (the 2π terms cancel).
        string squares = graph.AddNode("ReduceSum", "impute_code_squares", [graph.AddNode("Mul", "impute_code_square", [codes, codes], "impute.code_square"),
            graph.AddInitializer("impute.latent_axes", [1L], 1)], "impute.code_squares", OnnxGraphBuilder.IntAttribute("keepdims", 1));
        string logPrior = graph.AddNode("Mul", "impute_log_prior", [squares, graph.Scalar("minus_half", -0.5f)], "impute.log_prior");
        string perCode = graph.AddNode("Add", "impute_log_joint", [logLikelihood, logPrior], "impute.log_joint");
        string byDraw = ByDraw(graph, perCode, draws, 1, "impute_log_joint");   // [K, N, 1]
        var noiseSquares = new float[draws];
        for (int k = 0; k < draws; k++)
        {
            for (int j = 0; j < latent; j++)
            {
                noiseSquares[k] += 0.5f * noise[k * latent + j] * noise[k * latent + j];
            }
        }

        string halfLogVariance = graph.AddNode("Mul", "impute_half_log_variance_sum", [graph.AddNode("ReduceSum", "impute_log_variance_sum", [logVariance, graph.AddInitializer("impute.log_variance_axes", [1L], 1)],
            "impute.log_variance_sum", OnnxGraphBuilder.IntAttribute("keepdims", 1)), graph.Scalar("half", 0.5f)], "impute.half_log_variance_sum");   // [N, 1]
        string logWeights = graph.AddNode("Add", "impute_log_weights", [graph.AddNode("Add", "impute_log_weights_noise", [byDraw, graph.AddInitializer("impute.noise_half_squares", noiseSquares, draws, 1, 1)],
            "impute.log_weights_noise"), halfLogVariance], "impute.log_weights");   // [K, N, 1]
        string weights = graph.AddNode("Softmax", "impute_weights_softmax", [logWeights], "impute.weights_softmax", OnnxGraphBuilder.IntAttribute("axis", 0));
        weights = graph.AddNode("Where", "impute_weights_judged", [graph.AddNode("IsNaN", "impute_weights_nan", [weights], "impute.weights_nan"),
            graph.Scalar("uniform_weight", 1f / draws), weights], "impute.weights");

        return g =>
        {
            string prefix = $"impute_{Prefix(g)}";
            TableColumn column = groups.Groups[g].Column;
            string summary = ByDraw(graph, column.AddSummary(graph, heads[g], prefix), draws, column.SummaryWidth, $"{prefix}_summary");
            string weightedSummary = graph.AddNode("Mul", $"{prefix}_weigh", [summary, weights], $"{prefix}.weighted_summary");
            string averaged = graph.AddNode("ReduceSum", $"{prefix}_average", [weightedSummary, graph.AddInitializer($"{prefix}.draw_axes", [0L], 1)],
                $"{prefix}.averaged_summary", OnnxGraphBuilder.IntAttribute("keepdims", 0));
            return column.AddDecision(graph, averaged, prefix);
        };
    }

    private static string Prefix(int group) => string.Create(CultureInfo.InvariantCulture, $"group_{group}");

    /// <summary>
    /// A dense layer that writes the graph output <paramref name="output"/> (squeezed to one row in the single-row layout);
    /// returns the [rows, width] value before the squeeze, which later layers read in either layout.
    /// </summary>
    private static string AddRowOutput(OnnxGraphBuilder graph, DenseLayer layer, string prefix, string input, string output)
    {
        if (graph.Layout == OnnxTensorLayout.Batch)
        {
            return AddDense(graph, layer, prefix, input, output);
        }

        string row = AddDense(graph, layer, prefix, input, $"{prefix}.row");
        graph.AddNode("Squeeze", $"{prefix}_squeeze", [row, graph.AddInitializer($"{prefix}.squeeze_axes", [0L], 1)], output);
        return row;
    }
}
