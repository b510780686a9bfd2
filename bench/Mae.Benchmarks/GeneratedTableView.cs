using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// A data view of <see cref="RowCount"/> rows of 20 mixed columns, each row computed from its position as a cursor reaches it:
/// nothing is stored, and every pass (and every cursor) gives the same rows. The columns are those of <c>table-fit</c>'s table
/// (8 real Single, 2 positive Double, 2 count Single, 4 Key&lt;UInt32&gt; of 3–6 classes, 4 Boolean), from 4 standard-normal
/// factors through fixed random loadings; a tenth of the non-Boolean cells are missing (NaN, key 0). The generator differs from
/// <c>table-fit</c>'s (which fills a list in memory), so the rows are not the same ones.
/// </summary>
internal sealed class GeneratedTableView : IDataView
{
    private const int Reals = 8, Positives = 2, Counts = 2, Keys = 4, Booleans = 4, Factors = 4;
    private const double MissingRate = 0.1;
    private static readonly uint[] ClassCounts = [3, 4, 5, 6];

    private readonly ulong seed;
    private readonly double[,] loadings;
    private readonly Action? passEnded;

    /// <param name="rowCount">Rows in the view.</param>
    /// <param name="seed">Fixes the loadings and every row.</param>
    /// <param name="passEnded">Runs when a cursor that reads any column moves past the last row.</param>
    public GeneratedTableView(long rowCount, int seed, Action? passEnded = null)
    {
        RowCount = rowCount;
        this.seed = (ulong)seed;
        this.passEnded = passEnded;
        var random = new Random(seed);
        loadings = new double[ColumnCount, Factors];
        for (int c = 0; c < ColumnCount; c++)
        {
            for (int f = 0; f < Factors; f++)
                loadings[c, f] = (2 * random.NextDouble() - 1) * Math.Sqrt(3.0 / Factors);   // variance 1/Factors, as table-fit's
        }
        Schema = MakeSchema();
    }

    private static int ColumnCount => Reals + Positives + Counts + Keys + Booleans;

    public long RowCount { get; }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    /// <summary>The column names, in schema order.</summary>
    public static string[] Names =>
    [
        .. Enumerable.Range(0, Reals).Select(i => $"Real{i}"),
        .. Enumerable.Range(0, Positives).Select(i => $"Positive{i}"),
        .. Enumerable.Range(0, Counts).Select(i => $"Count{i}"),
        .. Enumerable.Range(0, Keys).Select(i => $"Key{i}"),
        .. Enumerable.Range(0, Booleans).Select(i => $"Flag{i}"),
    ];

    /// <summary>The kinds that the columns' types do not give: positive and count.</summary>
    public static Dictionary<string, ColumnKind> KindOverrides =>
        Names.Where(n => n.StartsWith("Positive", StringComparison.Ordinal) || n.StartsWith("Count", StringComparison.Ordinal))
            .ToDictionary(n => n, n => n.StartsWith("Positive", StringComparison.Ordinal) ? ColumnKind.Positive : ColumnKind.Count);

    public long? GetRowCount() => RowCount;

    /// <summary>A Poisson draw by inversion of the CDF at the uniform <paramref name="u"/> in [0, 1), capped at 1,000.</summary>
    public static int Poisson(double rate, double u)
    {
        int k = 0;
        for (double p = Math.Exp(-rate), cdf = p; u > cdf && k < 1000; cdf += p)
            p *= rate / ++k;
        return k;
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static DataViewSchema MakeSchema()
    {
        var builder = new DataViewSchema.Builder();
        var names = Names;
        int c = 0;
        for (int i = 0; i < Reals; i++)
            builder.AddColumn(names[c++], NumberDataViewType.Single);
        for (int i = 0; i < Positives; i++)
            builder.AddColumn(names[c++], NumberDataViewType.Double);
        for (int i = 0; i < Counts; i++)
            builder.AddColumn(names[c++], NumberDataViewType.Single);
        for (int i = 0; i < Keys; i++)
            builder.AddColumn(names[c++], new KeyDataViewType(typeof(uint), ClassCounts[i]));
        for (int i = 0; i < Booleans; i++)
            builder.AddColumn(names[c++], BooleanDataViewType.Instance);
        return builder.ToSchema();
    }

    private sealed class Cursor(GeneratedTableView parent, HashSet<int> active)
        : GeneratedCursor(parent.Schema, parent.RowCount, active.Count > 0, 0, parent.passEnded)
    {
        // One row's values, by column: Single columns (real, count) and Double ones (positive) in `numbers`, keys and flags apart.
        private readonly double[] numbers = new double[Reals + Positives + Counts];
        private readonly uint[] keys = new uint[Keys];
        private readonly bool[] flags = new bool[Booleans];
        private readonly double[] factors = new double[Factors];

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            int c = column.Index;
            Delegate getter = c switch
            {
                < Reals => (ValueGetter<float>)((ref float value) => value = (float)numbers[c]),
                < Reals + Positives => (ValueGetter<double>)((ref double value) => value = numbers[c]),
                < Reals + Positives + Counts => (ValueGetter<float>)((ref float value) => value = (float)numbers[c]),
                < Reals + Positives + Counts + Keys => (ValueGetter<uint>)((ref uint value) => value = keys[c - Reals - Positives - Counts]),
                _ => (ValueGetter<bool>)((ref bool value) => value = flags[c - Reals - Positives - Counts - Keys]),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        /// <summary>The row at <see cref="GeneratedCursor.Position"/>, from a generator seeded by the view's seed and the position alone.</summary>
        protected override void Generate()
        {
            State = SplitMix(parent.seed * 0x9E3779B97F4A7C15UL ^ (ulong)Position) | 1;
            for (int f = 0; f < Factors; f++)
                factors[f] = Normal();
            int c = 0;
            for (int i = 0; i < Reals; i++, c++)
                numbers[c] = Missing() ? double.NaN : Signal(c) + 0.3 * Normal();
            for (int i = 0; i < Positives; i++, c++)
                numbers[c] = Missing() ? double.NaN : Math.Exp(Signal(c) + 0.3 * Normal());
            for (int i = 0; i < Counts; i++, c++)
                numbers[c] = Missing() ? double.NaN : Poisson(Math.Exp(0.5 + 0.5 * Signal(c)), NextUniform());
            for (int i = 0; i < Keys; i++, c++)
            {
                uint classes = ClassCounts[i];
                keys[i] = Missing() ? 0u : 1 + (uint)Math.Clamp((int)Math.Floor((Signal(c) + 0.3 * Normal() + 1.5) * classes / 3), 0, (int)classes - 1);
            }
            for (int i = 0; i < Booleans; i++, c++)
                flags[i] = Signal(c) + 0.3 * Normal() > 0;
        }

        private double Signal(int column)
        {
            double sum = 0;
            for (int f = 0; f < Factors; f++)
                sum += parent.loadings[column, f] * factors[f];
            return sum;
        }

        private bool Missing() => NextUniform() < MissingRate;

        private double Normal() => Math.Sqrt(-2 * Math.Log(1 - NextUniform())) * Math.Cos(2 * Math.PI * NextUniform());

        private static ulong SplitMix(ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
