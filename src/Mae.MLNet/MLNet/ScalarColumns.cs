using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>
/// Exposes one-slot vector columns of a view or mapper (what ML.NET's ONNX transformer gives for a [1] output) as scalars under
/// other names, and hides the vectors: the anomaly step's <c>Score</c> must be a Single and its <c>PredictedLabel</c> a Boolean for
/// ML.NET's anomaly evaluator, and ML.NET 5.0.1's ONNX transformer cannot output scalars (its scalar caster fails on first read).
/// Every other column passes through unchanged, in order; the scalars come last.
/// </summary>
internal sealed class ScalarColumns
{
    private readonly int[] passedSources;     // for each output column before the scalars, its source column
    private readonly int[] scalarSources;     // for each scalar, its one-slot vector source column (the label's is the first scalar's)
    private readonly float labelThreshold;

    /// <param name="source">The schema with the one-slot vector columns.</param>
    /// <param name="scalars">Each scalar's name and the name of its source vector in <paramref name="source"/>.</param>
    /// <param name="label">
    /// When set, a last Boolean column of this name: whether the first scalar (a Single) exceeds the threshold, as the saved graph's
    /// <c>Greater</c> computes it.
    /// </param>
    public ScalarColumns(DataViewSchema source, IReadOnlyList<(string Name, string Source)> scalars, (string Name, float Threshold)? label = null)
    {
        scalarSources = [.. scalars.Select(s => source[s.Source].Index), .. label is null ? Array.Empty<int>() : [source[scalars[0].Source].Index]];
        labelThreshold = label?.Threshold ?? 0;
        passedSources = Enumerable.Range(0, source.Count).Where(i => !scalarSources.Contains(i)).ToArray();
        HasLabel = label is not null;
        var builder = new DataViewSchema.Builder();
        foreach (int i in passedSources)
            builder.AddColumn(source[i].Name, source[i].Type, source[i].Annotations);
        for (int s = 0; s < scalars.Count; s++)
        {
            var type = source[scalarSources[s]].Type as VectorDataViewType;
            if (type is not { Size: 1 })
                throw new InvalidOperationException($"Column '{scalars[s].Source}' is {source[scalarSources[s]].Type}, not a one-slot vector.");
            builder.AddColumn(scalars[s].Name, type.ItemType);
        }
        if (label is { } derived)
        {
            if (source[scalarSources[0]].Type is not VectorDataViewType { ItemType: NumberDataViewType { RawType: var raw } } || raw != typeof(float))
                throw new InvalidOperationException($"Column '{scalars[0].Source}' is {source[scalarSources[0]].Type}; a label needs a Single score.");
            builder.AddColumn(derived.Name, BooleanDataViewType.Instance);
        }
        Schema = builder.ToSchema();
    }

    private bool HasLabel { get; }

    /// <summary>The schema with the scalars in place of the vectors.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>The source columns that the output columns <paramref name="columns"/> read.</summary>
    public IEnumerable<int> SourceIndices(IEnumerable<DataViewSchema.Column> columns) =>
        columns.Select(c => c.Index < passedSources.Length ? passedSources[c.Index] : scalarSources[c.Index - passedSources.Length]).Distinct();

    /// <summary>Whether output column <paramref name="index"/> is active in a source row.</summary>
    public bool IsActive(DataViewRow source, int index) => source.IsColumnActive(source.Schema[SourceIndex(index)]);

    private int SourceIndex(int index) => index < passedSources.Length ? passedSources[index] : scalarSources[index - passedSources.Length];

    /// <summary>A getter of output column <paramref name="column"/> over a source row.</summary>
    public ValueGetter<T> GetGetter<T>(DataViewRow source, DataViewSchema.Column column)
    {
        var sourceColumn = source.Schema[SourceIndex(column.Index)];
        if (column.Index < passedSources.Length)
            return source.GetGetter<T>(sourceColumn);
        if (HasLabel && column.Index == Schema.Count - 1)
        {
            var score = source.GetGetter<VBuffer<float>>(sourceColumn);
            VBuffer<float> scores = default;
            float threshold = labelThreshold;
            ValueGetter<bool> label = (ref bool value) =>
            {
                score(ref scores);
                value = scores.GetItemOrDefault(0) > threshold;
            };
            return label as ValueGetter<T> ?? throw new InvalidOperationException($"Column '{column.Name}' is Boolean; asked for {typeof(T)}.");
        }
        var vector = source.GetGetter<VBuffer<T>>(sourceColumn);
        VBuffer<T> buffer = default;
        return (ref T value) =>
        {
            vector(ref buffer);
            value = buffer.GetItemOrDefault(0);
        };
    }

    /// <summary>The view of <paramref name="source"/> with the scalars.</summary>
    public IDataView Wrap(IDataView source) => new View(source, this);

    /// <summary>A mapper that gives rows of <paramref name="mapper"/> with the scalars.</summary>
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
