using System.Globalization;

namespace Mae.Export.Onnx;

/// <summary>One or more columns of a table that the graph reads as one: the column it reads and the members' indices in the table.</summary>
/// <param name="Column">The member itself, or the members fused into one column (<see cref="TableColumn.Fuse"/>).</param>
/// <param name="Members">Indices of the members among the table's columns, in order; their slots follow one another in <paramref name="Column"/>.</param>
/// <param name="MemberStarts">The slot of <paramref name="Column"/> at which each member starts.</param>
internal sealed record ColumnGroup(TableColumn Column, int[] Members, int[] MemberStarts);

/// <summary>
/// The columns of a table as its graph reads them: each column together with the others of its kind and input type, as one wider
/// column (<see cref="TableColumn.Fuse"/>). The saved pipeline runs the graph once per row (ML.NET's ONNX transformer), so a row's
/// cost follows the number of nodes rather than their width: twenty one-slot real columns cost about six times what one twenty-slot
/// column costs (bench/Mae.Benchmarks table-layout-throughput). The trained encoder and decoder read and write the columns in the
/// table's order; the two index maps convert between that order and the groups'.
/// </summary>
internal sealed class ColumnGroups
{
    private ColumnGroups(ColumnGroup[] groups, long[] encoderInputOrder, long[] headOrder, int groupedInputWidth)
    {
        Groups = groups;
        EncoderInputOrder = encoderInputOrder;
        HeadOrder = headOrder;
        Reordered = groupedInputWidth != encoderInputOrder.Length || !IsIdentity(encoderInputOrder) || !IsIdentity(headOrder);
    }

    /// <summary>The groups, in the order of their first members.</summary>
    public IReadOnlyList<ColumnGroup> Groups { get; }

    /// <summary>
    /// For each position of the encoder's input in the table's order (every column's network input, then every column's mask), its
    /// position in the groups' order (every group's network input, then every group's mask).
    /// </summary>
    public long[] EncoderInputOrder { get; }

    /// <summary>
    /// For each decoder head output in the groups' order (every group's head, one after the other), its position in the table's head,
    /// or <see cref="PaddingOutput"/> for a position that no member fills.
    /// </summary>
    public long[] HeadOrder { get; }

    /// <summary>
    /// In <see cref="HeadOrder"/>, a padding output: the graph reads it as −10⁹, a categorical logit of a class no key can name, or
    /// an ordinal threshold parameter of a level the slot lacks (masked out of its probabilities).
    /// </summary>
    public const long PaddingOutput = -1;

    /// <summary>Whether any <see cref="HeadOrder"/> entry is <see cref="PaddingOutput"/>.</summary>
    public bool Padded => HeadOrder.Contains(PaddingOutput);

    /// <summary>Whether the groups' order differs from the table's, so that the graph must gather between them.</summary>
    public bool Reordered { get; }

    /// <summary>The groups of <paramref name="columns"/>.</summary>
    public static ColumnGroups Build(IReadOnlyList<TableColumn> columns)
    {
        var members = new List<List<int>>();
        var byKey = new Dictionary<(TableColumnKind, TableColumnType), List<int>>();
        for (int c = 0; c < columns.Count; c++)
        {
            TableColumn column = columns[c];
            if (!byKey.TryGetValue((column.Kind, column.Type), out var group))
            {
                group = [];
                byKey.Add((column.Kind, column.Type), group);
                members.Add(group);
            }

            group.Add(c);
        }

        var groups = members.Select(m => new ColumnGroup(
            m.Count == 1 ? columns[m[0]] : columns[m[0]].Fuse(string.Join("+", m.Select(c => columns[c].Name)), [.. m.Select(c => columns[c])]),
            [.. m],
            Starts(m.Select(c => columns[c].Width))[..^1])).ToArray();

        // Starts of each column's network input, mask and head in the table's order.
        int[] networkStart = Starts(columns.Select(c => c.NetworkWidth));
        int[] maskStart = Starts(columns.Select(c => c.Width));
        int[] headStart = Starts(columns.Select(c => c.HeadWidth));
        int totalNetwork = networkStart[^1];

        var encoderInputOrder = new long[totalNetwork + maskStart[^1]];
        int groupedNetwork = groups.Sum(g => g.Column.NetworkWidth);
        var headOrder = new List<long>();
        int groupNetwork = 0, groupMask = 0;
        foreach (ColumnGroup group in groups)
        {
            TableColumn fused = group.Column;
            var groupHead = new long[fused.HeadWidth];
            Array.Fill(groupHead, PaddingOutput);
            for (int j = 0; j < group.Members.Length; j++)
            {
                int c = group.Members[j], slot = group.MemberStarts[j];
                TableColumn column = columns[c];
                for (int s = 0; s < column.Width; s++)
                {
                    for (int q = 0; q < column.NetworkInputsPerSlot; q++)
                    {
                        encoderInputOrder[networkStart[c] + column.NetworkPosition(s, q)] = groupNetwork + fused.NetworkPosition(slot + s, q);
                    }

                    for (int p = 0; p < column.HeadOutputsPerSlot; p++)
                    {
                        groupHead[fused.HeadPosition(slot + s, p)] = headStart[c] + column.HeadPosition(s, p);
                    }

                    encoderInputOrder[totalNetwork + maskStart[c] + s] = groupedNetwork + groupMask + slot + s;
                }
            }

            int memberSlots = group.MemberStarts[^1] + columns[group.Members[^1]].Width;
            if (memberSlots != fused.Width)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Columns {fused.Name} fused into {fused.Width} slots; their members hold {memberSlots}."));
            }

            headOrder.AddRange(groupHead);
            groupNetwork += fused.NetworkWidth;
            groupMask += fused.Width;
        }

        return new ColumnGroups(groups, encoderInputOrder, [.. headOrder], groupedNetwork + groupMask);
    }

    private static int[] Starts(IEnumerable<int> widths)
    {
        var starts = new List<int> { 0 };
        foreach (int width in widths)
        {
            starts.Add(starts[^1] + width);
        }

        return [.. starts];
    }

    private static bool IsIdentity(long[] order)
    {
        for (int i = 0; i < order.Length; i++)
        {
            if (order[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
