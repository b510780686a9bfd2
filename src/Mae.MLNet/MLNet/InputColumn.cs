using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>How the estimator reads its input column.</summary>
internal enum InputColumnKind
{
    /// <summary>A known-size vector of Single: one row of features.</summary>
    Vector,

    /// <summary>A Single: one feature, or a class index 0..K−1 for the categorical decoder.</summary>
    Scalar,

    /// <summary>A key (UInt32): a class for the categorical decoder, key k meaning class k − 1.</summary>
    Key,
}

/// <summary>Where training rows come from: the columns a cursor must read, the values per row, and a reader of the current row.</summary>
internal interface IRowSource
{
    /// <summary>The columns a cursor reads.</summary>
    IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Values per row.</summary>
    int Width { get; }

    /// <summary>The column that row messages name ("column 'X', row 12"), or <c>null</c> when the value check names it.</summary>
    string? MessageColumn { get; }

    /// <summary>The source in messages ("column 'X'", "columns 'A', 'B'").</summary>
    string Description { get; }

    /// <summary>A reader that copies the cursor's current row into a span of <see cref="Width"/> floats, rejecting what training cannot read.</summary>
    Action<Span<float>> MakeTrainingReader(DataViewRowCursor cursor);
}

/// <summary>The input column of a trained or training estimator: its name, kind and width, and the schema checks around it.</summary>
internal sealed record InputColumn(string Name, InputColumnKind Kind, int Width, int KeyCount) : IRowSource
{
    public IReadOnlyList<string> ColumnNames => [Name];

    public string? MessageColumn => Name;

    public string Description => $"column '{Name}'";

    /// <summary>The row reader of training: values must be finite, and a key must be present and within the key's count.</summary>
    public Action<Span<float>> MakeTrainingReader(DataViewRowCursor cursor)
    {
        if (Kind != InputColumnKind.Key)
        {
            var readValues = MakeValueReader(cursor);
            return destination =>
            {
                readValues(destination);
                ThrowIfNotFinite(destination, cursor.Position);
            };
        }
        var getter = MakeKeyReader(cursor);
        uint key = 0;
        return destination =>
        {
            getter(ref key);
            if (key == 0 || key > KeyCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Training data column '{Name}', row {cursor.Position}: the key is {(key == 0 ? "missing" : key.ToString(CultureInfo.InvariantCulture))}; every row needs a class key in 1..{KeyCount}. (The multi-column verb, MutualAutoencode(output, new[] {{ ... }}), models missing keys.)"), "input");
            }
            destination[0] = key - 1;
        };
    }

    private void ThrowIfNotFinite(ReadOnlySpan<float> values, long row)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                string where = Kind == InputColumnKind.Vector ? $", slot {i}" : "";
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Training data column '{Name}', row {row}{where}: the value {values[i]} is not finite; remove or impute missing and infinite values, or use the multi-column verb, MutualAutoencode(output, new[] {{ ... }}), which models missing values."), "input");
            }
        }
    }

    private const string Accepted = "known-size vector of Single, Single, or Key<UInt32> (categorical decoder only)";

    /// <summary>The exact ML.NET type of the column.</summary>
    public DataViewType Type => Kind switch
    {
        InputColumnKind.Vector => new VectorDataViewType(NumberDataViewType.Single, Width),
        InputColumnKind.Scalar => NumberDataViewType.Single,
        _ => new KeyDataViewType(typeof(uint), KeyCount),
    };

    /// <summary>Checks a schema shape before training, without data; throws the ML.NET-style schema mismatch. Returns whether the column is a key.</summary>
    public static bool Check(SchemaShape inputSchema, string name, DecoderFamily decoder)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? found = null;
        foreach (var column in inputSchema)
        {
            if (column.Name == name)
                found = column;
        }
        if (found is not SchemaShape.Column shape)
            throw Missing(name);

        bool single = shape.ItemType == NumberDataViewType.Single && !shape.IsKey;
        bool ok = decoder == DecoderFamily.Categorical
            ? (single && shape.Kind == SchemaShape.Column.VectorKind.Scalar)
                || (shape.IsKey && shape.Kind == SchemaShape.Column.VectorKind.Scalar && shape.ItemType == NumberDataViewType.UInt32)
            : single && shape.Kind != SchemaShape.Column.VectorKind.VariableVector;
        if (!ok)
            throw Mismatch(name, Expected(decoder), Describe(shape));
        return shape.IsKey;
    }

    /// <summary>Reads the column's kind and width from a schema before training; throws the ML.NET-style schema mismatch.</summary>
    public static InputColumn FromSchema(DataViewSchema schema, string name, DecoderFamily decoder)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var column = schema.GetColumnOrNull(name) ?? throw Missing(name);
        var type = column.Type;
        InputColumn? input = type switch
        {
            VectorDataViewType { ItemType: NumberDataViewType item, Size: > 0 } vector when item == NumberDataViewType.Single && decoder != DecoderFamily.Categorical
                => new InputColumn(name, InputColumnKind.Vector, vector.Size, 0),
            NumberDataViewType number when number == NumberDataViewType.Single
                => new InputColumn(name, InputColumnKind.Scalar, 1, 0),
            KeyDataViewType { RawType: var raw } key when raw == typeof(uint) && decoder == DecoderFamily.Categorical && key.Count is >= 2 and <= int.MaxValue
                => new InputColumn(name, InputColumnKind.Key, 1, (int)key.Count),
            _ => null,
        };
        if (input is null)
        {
            if (type is KeyDataViewType { RawType: var raw } key && raw == typeof(uint) && decoder == DecoderFamily.Categorical)
                throw new ArgumentOutOfRangeException("inputSchema", string.Create(CultureInfo.InvariantCulture,
                    $"Input column '{name}' is a key with {key.Count} values; the categorical decoder needs between 2 and {int.MaxValue} classes."));
            throw Mismatch(name, Expected(decoder), Describe(type));
        }
        return input;
    }

    /// <summary>
    /// Checks that a schema to transform has this column with the type the model was trained on: for a vector, Single
    /// values of the same total size, whatever its dimensions (Vector&lt;Single, 2, 3&gt; and Vector&lt;Single, 6&gt; both hold 6).
    /// </summary>
    public void CheckScoring(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var column = schema.GetColumnOrNull(Name) ?? throw Missing(Name);
        bool ok = Kind == InputColumnKind.Vector
            ? column.Type is VectorDataViewType { ItemType: var item, Size: var size } && item == NumberDataViewType.Single && size == Width
            : column.Type.Equals(Type);
        if (!ok)
            throw Mismatch(Name, $"{Type} (the type the model was trained on)", Describe(column.Type));
    }

    /// <summary>
    /// A reader that copies the current row of a vector or Single column of <paramref name="cursor"/> into a span of
    /// <see cref="Width"/> floats; a vector that breaks its declared size throws. (Key columns are read with <see cref="MakeKeyReader"/>.)
    /// </summary>
    public Action<Span<float>> MakeValueReader(DataViewRowCursor cursor)
    {
        var column = cursor.Schema[Name];
        if (Kind == InputColumnKind.Scalar)
        {
            var single = cursor.GetGetter<float>(column);
            return destination => single(ref destination[0]);
        }
        return VectorReaders.Create(cursor, column, Width);
    }

    /// <summary>The getter of a key column's raw value (1..K, 0 for a missing key).</summary>
    public ValueGetter<uint> MakeKeyReader(DataViewRowCursor cursor) => cursor.GetGetter<uint>(cursor.Schema[Name]);

    private static string Expected(DecoderFamily decoder) => decoder switch
    {
        DecoderFamily.Categorical => "Single (a class index) or Key<UInt32> for the categorical decoder",
        _ => $"known-size vector of Single, or Single, for the {decoder.ToString().ToLowerInvariant()} decoder",
    };

    private static string Describe(DataViewType type) =>
        type is VectorDataViewType { IsKnownSize: false } ? $"variable-size {type}" : $"{type}";

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => item,
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            _ => $"variable-size Vector<{item}>",
        };
    }

    private static ArgumentOutOfRangeException Missing(string name) =>
        new("inputSchema", $"Could not find input column '{name}'. Expected a {Accepted}.");

    private static ArgumentOutOfRangeException Mismatch(string name, string expected, string actual) =>
        new("inputSchema", $"Schema mismatch for input column '{name}': expected {expected}, got {actual}.");
}
