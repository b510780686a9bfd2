using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// A data view of <see cref="RowCount"/> rows whose single column, <c>Features</c> (a known-size vector of Single), is
/// computed as a cursor moves: nothing is stored. Each cursor starts the same seeded generator, so every pass sees the
/// same rows. A row is x = a·z₁ + b·z₂ + 0.1·u: two standard normal factors with fixed loadings, plus uniform noise in [−1, 1].
/// <paramref name="passEnded"/> runs when a cursor that reads the column moves past the last row.
/// </summary>
internal sealed class GeneratedDataView(long rowCount, int width, int seed, Action? passEnded = null) : IDataView
{
    public const string ColumnName = "Features";

    private readonly Action? passEnded = passEnded;
    private readonly ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
    private readonly float[] loadingsA = Loadings(width, seed), loadingsB = Loadings(width, seed + 1);

    public long RowCount => rowCount;

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = MakeSchema(width);

    public long? GetRowCount() => RowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Any(c => c.Index == 0));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static float[] Loadings(int width, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, width).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
    }

    private static DataViewSchema MakeSchema(int width)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(ColumnName, new VectorDataViewType(NumberDataViewType.Single, width));
        return builder.ToSchema();
    }

    private sealed class Cursor(GeneratedDataView parent, bool active)
        : GeneratedCursor(parent.Schema, parent.RowCount, active, parent.state, parent.passEnded)
    {
        private readonly float[] row = new float[parent.loadingsA.Length];

        public override bool IsColumnActive(DataViewSchema.Column column) => AnyActive && column.Index == 0;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column) || typeof(TValue) != typeof(VBuffer<float>))
                throw new InvalidOperationException($"Column '{column.Name}' is not active, or {typeof(TValue).Name} is not VBuffer<Single>.");
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, row.Length);
                row.CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        protected override void Generate()
        {
            // Box–Muller on two uniforms gives the two factors.
            double u1 = 1 - NextUniform(), u2 = NextUniform();
            double radius = Math.Sqrt(-2 * Math.Log(u1));
            float z1 = (float)(radius * Math.Cos(2 * Math.PI * u2)), z2 = (float)(radius * Math.Sin(2 * Math.PI * u2));
            for (int j = 0; j < row.Length; j++)
                row[j] = parent.loadingsA[j] * z1 + parent.loadingsB[j] * z2 + 0.1f * (2 * (float)NextUniform() - 1);
        }
    }
}
