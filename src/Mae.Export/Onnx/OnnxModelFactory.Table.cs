using System.Globalization;

namespace Mae.Export.Onnx;

internal static partial class OnnxModelFactory
{
    /// <summary>
    /// The graph of a table model: one input per column; the columns of one kind and input type read together (<see cref="ColumnGroups"/>),
    /// each group's network input and mask; the encoder on their concatenation, gathered back into the table's column order; and
    /// (when <see cref="OnnxExportOptions.ImputedColumnSuffix"/> or <see cref="OnnxExportOptions.AnomalyScoreName"/> is set) the decoder
    /// at the posterior mean, its head gathered into the groups' order, with each column's missing cells replaced by its prediction
    /// and the anomaly score.
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
            string decoderTrunk = AddTrunk(graph, table.DecoderHiddenLayers, encoder.Activation, meanRow, "decoder_hidden");
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

            if (options.ImputedColumnSuffix is string suffix)
            {
                AddImputedColumns(graph, table, groups, groupInputs, values, slices, suffix);
            }

            if (options.AnomalyScoreName is string scoreName)
            {
                string logVarianceRow = options.IncludeLogVariance
                    ? logVarianceRowName!
                    : AddDense(graph, encoder.LogVarianceHead, "score_log_variance_head", trunk, "score.log_variance");
                AddAnomalyScore(graph, groups, values, slices, meanRow, logVarianceRow, scoreName, options);
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
    private static void AddImputedColumns(OnnxGraphBuilder graph, TableDescription table, ColumnGroups groups, string[] groupInputs, ColumnValues[] values, string[] heads, string suffix)
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
            string prediction = group.Column.AddPrediction(graph, heads[g], prefix);
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
