using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>
/// Exposes a one-slot Single vector column of a view or mapper (what ML.NET's ONNX transformer gives for a [1] output) as a Single
/// score under the same name, hiding the vector, and adds a Boolean label, the score above a threshold: the anomaly step's
/// <c>Score</c> must be a Single and its <c>PredictedLabel</c> a Boolean for ML.NET's anomaly evaluator, and ML.NET 5.0.1's ONNX
/// transformer cannot output scalars (its scalar caster fails on first read). Every other column passes through unchanged, in order;
/// the score and the label come last.
/// </summary>
internal sealed class ScalarColumns
{
    private readonly int[] passedSources;   // for each output column before the score, its source column
    private readonly int scoreSource;       // the one-slot vector the score and the label read
    private readonly float threshold;

    /// <param name="source">The schema with the one-slot score vector.</param>
    /// <param name="score">The score vector's name in <paramref name="source"/>, and the Single score's.</param>
    /// <param name="label">The Boolean label's name, and the threshold the score must exceed for it to be true (as the saved graph's <c>Greater</c> computes it).</param>
    public ScalarColumns(DataViewSchema source, string score, (string Name, float Threshold) label)
    {
        scoreSource = source[score].Index;
        if (source[scoreSource].Type is not VectorDataViewType { Size: 1 } vector || vector.ItemType != NumberDataViewType.Single)
            throw new InvalidOperationException($"Column '{score}' is {source[scoreSource].Type}, not a one-slot vector of Single.");
        threshold = label.Threshold;
        passedSources = Enumerable.Range(0, source.Count).Where(i => i != scoreSource).ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (int i in passedSources)
            builder.AddColumn(source[i].Name, source[i].Type, source[i].Annotations);
        builder.AddColumn(score, NumberDataViewType.Single);
        builder.AddColumn(label.Name, BooleanDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    /// <summary>The schema with the score and the label in place of the vector.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>The source columns that the output columns <paramref name="columns"/> read.</summary>
    public IEnumerable<int> SourceIndices(IEnumerable<DataViewSchema.Column> columns) => columns.Select(c => SourceIndex(c.Index)).Distinct();

    /// <summary>Whether output column <paramref name="index"/> is active in a source row.</summary>
    public bool IsActive(DataViewRow source, int index) => source.IsColumnActive(source.Schema[SourceIndex(index)]);

    private int SourceIndex(int index) => index < passedSources.Length ? passedSources[index] : scoreSource;

    /// <summary>A getter of output column <paramref name="column"/> over a source row.</summary>
    public ValueGetter<T> GetGetter<T>(DataViewRow source, DataViewSchema.Column column)
    {
        if (column.Index < passedSources.Length)
            return source.GetGetter<T>(source.Schema[passedSources[column.Index]]);
        var vector = source.GetGetter<VBuffer<float>>(source.Schema[scoreSource]);
        VBuffer<float> buffer = default;
        Delegate getter = column.Index == passedSources.Length
            ? (ValueGetter<float>)((ref float value) =>
            {
                vector(ref buffer);
                value = buffer.GetItemOrDefault(0);
            })
            : (ValueGetter<bool>)((ref bool value) =>
            {
                vector(ref buffer);
                value = buffer.GetItemOrDefault(0) > threshold;
            });
        return getter as ValueGetter<T>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; asked for a getter of {typeof(T)}.");
    }

    /// <summary>The view of <paramref name="source"/> with the score and the label.</summary>
    public IDataView Wrap(IDataView source) => new View(source, this);

    /// <summary>A mapper that gives rows of <paramref name="mapper"/> with the score and the label.</summary>
    public IRowToRowMapper Wrap(IRowToRowMapper mapper) => new Mapper(mapper, this);

    private sealed class View(IDataView source, ScalarColumns columns) : IDataView
    {
        public bool CanShuffle => source.CanShuffle;

        public DataViewSchema Schema => columns.Schema;

        public long? GetRowCount() => source.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Cursor(source.GetRowCursor(columns.SourceIndices(columnsNeeded).Select(i => source.Schema[i]), rand), columns);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            source.GetRowCursorSet(columns.SourceIndices(columnsNeeded).Select(i => source.Schema[i]), n, rand)
                .Select(cursor => (DataViewRowCursor)new Cursor(cursor, columns)).ToArray();
    }

    private sealed class Cursor(DataViewRowCursor source, ScalarColumns columns) : DataViewRowCursor
    {
        public override DataViewSchema Schema => columns.Schema;

        public override long Position => source.Position;

        public override long Batch => source.Batch;

        public override bool MoveNext() => source.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => source.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => columns.IsActive(source, column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => columns.GetGetter<TValue>(source, column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                source.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class Mapper(IRowToRowMapper source, ScalarColumns columns) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => source.InputSchema;

        public DataViewSchema OutputSchema => columns.Schema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            source.GetDependencies(columns.SourceIndices(dependingColumns).Select(i => source.OutputSchema[i]));

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
            new Row(source.GetRow(input, columns.SourceIndices(activeColumns).Select(i => source.OutputSchema[i])), columns);
    }

    private sealed class Row(DataViewRow source, ScalarColumns columns) : DataViewRow
    {
        public override DataViewSchema Schema => columns.Schema;

        public override long Position => source.Position;

        public override long Batch => source.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => source.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => columns.IsActive(source, column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => columns.GetGetter<TValue>(source, column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                source.Dispose();
            base.Dispose(disposing);
        }
    }
}
