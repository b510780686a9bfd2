using System.Globalization;
using Mae.Export;

namespace Mae.Modeling.Columns;

/// <summary>
/// A column of a table: its name, kind, values per row, class or level count (categorical and ordinal only), and the element type its
/// exported graph input reads (ML.NET's type for the column; a categorical or ordinal column is always read as a key).
/// </summary>
internal sealed record ColumnSpecification(string Name, ColumnKind Kind, int Width = 1, int ClassCount = 0, TableColumnType InputType = TableColumnType.Single);

/// <summary>
/// The columns of a table in row order. <see cref="Build"/> reads the training data once for the statistics the numeric kinds
/// standardise with, and is the one place that maps a <see cref="ColumnKind"/> to its block class.
/// </summary>
internal sealed record TableSpecification(IReadOnlyList<ColumnSpecification> Columns)
{
    /// <summary>Values per row: the sum of the columns' widths.</summary>
    public int RowWidth => Columns.Sum(c => c.Width);

    /// <summary>The blocks of the table, with statistics from the observed cells of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data's row width differs from the columns', or a column has no observed cell; the message names it.</exception>
    public IReadOnlyList<ColumnBlock> Build(TrainingData data)
    {
        if (data.FeatureCount != RowWidth)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The table's columns hold {RowWidth} values a row ({string.Join(", ", Columns.Select(c => $"{c.Name}: {c.Width}"))}); the data has {data.FeatureCount}."), nameof(data));
        }
        var statistics = Columns.Select(c => c.Kind switch
        {
            ColumnKind.Real => new Standardisation.Accumulator(c.Width, RealColumn.Transformed),
            ColumnKind.Positive => new Standardisation.Accumulator(c.Width, PositiveColumn.Transformed),
            ColumnKind.Count => new Standardisation.Accumulator(c.Width, CountColumn.Transformed),
            _ => new Standardisation.Accumulator(c.Width, _ => 0), // categorical, ordinal and binary: only the observed count is read
        }).ToArray();
        int width = RowWidth;
        // Blocks with placeholder statistics check every value before it enters the statistics: a value that breaks its kind's
        // rule (ln of a negative count, say) would otherwise make them NaN, and training would diverge before the batch check.
        var checkers = Columns.Select(c => Create(c, new Standardisation(new float[c.Width], Enumerable.Repeat(1f, c.Width).ToArray()), nameof(data))).ToArray();
        foreach (var batch in data.GetBatches(4096, new Random(0)))
        {
            for (int r = 0; r < batch.Rows; r++)
            {
                int offset = r * width;
                for (int c = 0; c < Columns.Count; c++)
                {
                    var cells = batch.Values.AsSpan(offset, Columns[c].Width);
                    for (int cell = 0; cell < cells.Length; cell++)
                    {
                        if (!float.IsNaN(cells[cell]) && !checkers[c].IsValid(cells[cell]))
                            throw new ArgumentException(checkers[c].DescribeInvalid($"Training data {batch.DescribeRow(r)}", cell, cells[cell]), nameof(data));
                    }
                    statistics[c].Add(cells);
                    offset += Columns[c].Width;
                }
            }
        }
        var blocks = new ColumnBlock[Columns.Count];
        for (int c = 0; c < Columns.Count; c++)
        {
            var column = Columns[c];
            if (statistics[c].ObservedCount == 0)
                throw new ArgumentException($"Column '{column.Name}' is missing in every row of the training data; remove it or supply values.", nameof(data));
            blocks[c] = Create(column, statistics[c].Result(), nameof(data));
        }
        return blocks;
    }

    /// <summary>The block of <paramref name="column"/>'s kind with the given statistics.</summary>
    private static ColumnBlock Create(ColumnSpecification column, Standardisation standardisation, string parameterName) =>
            column.Kind switch
            {
                ColumnKind.Real => new RealColumn(column.Name, column.Width, standardisation),
                ColumnKind.Positive => new PositiveColumn(column.Name, column.Width, standardisation),
                ColumnKind.Count => new CountColumn(column.Name, column.Width, standardisation),
                ColumnKind.Categorical when column.Width == 1 => new CategoricalColumn(column.Name, column.ClassCount),
                ColumnKind.Categorical => throw new ArgumentException($"Column '{column.Name}' is categorical with {column.Width} values a row; a categorical column holds one class index.", parameterName),
                ColumnKind.Ordinal when column.Width == 1 => new OrdinalColumn(column.Name, column.ClassCount),
                ColumnKind.Ordinal => throw new ArgumentException($"Column '{column.Name}' is ordinal with {column.Width} values a row; an ordinal column holds one level index.", parameterName),
                ColumnKind.Binary => new BinaryColumn(column.Name, column.Width),
                _ => throw new ArgumentOutOfRangeException(parameterName, column.Kind, $"Column '{column.Name}' has an unknown kind."),
            };
}
