using System.Globalization;
using Mae.Export;
using Mae.Modeling.Columns;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>How ML.NET stores a table column's values.</summary>
internal enum ColumnStorage
{
    Single,
    Double,
    Key,
    Boolean,

    /// <summary>One of ML.NET's eight integer types (<see cref="IntegerTypes"/>); never missing.</summary>
    Integer,
}

/// <summary>
/// One input column of the multi-column step: its name, kind, ML.NET storage and width. It maps the ML.NET type to the model's
/// row of floats: NaN for a missing Single or Double, class k − 1 for key k and NaN for key 0, 1 and 0 for a Boolean.
/// </summary>
internal sealed record TableInputColumn(string Name, ColumnKind Kind, ColumnStorage Storage, int Width, bool IsVector, int KeyCount, Type? IntegerType = null)
{
    /// <summary>Whether a cell can be missing: NaN in a Single or Double column, key 0; Booleans and integers have no missing value.</summary>
    public bool CanBeMissing => HasMissingValue(Storage);

    /// <summary>Whether a column of <paramref name="storage"/> has a missing value (see <see cref="CanBeMissing"/>).</summary>
    public static bool HasMissingValue(ColumnStorage storage) => storage is ColumnStorage.Single or ColumnStorage.Double or ColumnStorage.Key;

    /// <summary>The column's exact ML.NET type.</summary>
    public DataViewType Type
    {
        get
        {
            DataViewType item = Storage switch
            {
                ColumnStorage.Single => NumberDataViewType.Single,
                ColumnStorage.Double => NumberDataViewType.Double,
                ColumnStorage.Key => new KeyDataViewType(typeof(uint), KeyCount),
                ColumnStorage.Integer => IntegerTypes.ItemType(IntegerType!),
                _ => BooleanDataViewType.Instance,
            };
            return IsVector ? new VectorDataViewType((PrimitiveDataViewType)item, Width) : item;
        }
    }

    /// <summary>The element type of the column's input in the exported graph.</summary>
    public TableColumnType ExportType => Storage switch
    {
        ColumnStorage.Double => TableColumnType.Double,
        ColumnStorage.Key => TableColumnType.Key,
        ColumnStorage.Boolean => TableColumnType.Boolean,
        ColumnStorage.Integer => IntegerTypes.ExportType(IntegerType!),
        _ => TableColumnType.Single,
    };

    public ColumnSpecification Specification => new(Name, Kind, Width, Kind is ColumnKind.Categorical or ColumnKind.Ordinal ? KeyCount : 0, ExportType);

    /// <summary>A reader that writes the cursor's current value of the column as <see cref="Width"/> floats, NaN for missing.</summary>
    public Action<Span<float>> MakeReader(DataViewRowCursor cursor)
    {
        var column = cursor.Schema[Name];
        switch (Storage)
        {
            case ColumnStorage.Single when !IsVector:
            {
                var getter = cursor.GetGetter<float>(column);
                return destination => getter(ref destination[0]);
            }
            case ColumnStorage.Double when !IsVector:
            {
                var getter = cursor.GetGetter<double>(column);
                double value = 0;
                return destination =>
                {
                    getter(ref value);
                    destination[0] = (float)value;
                };
            }
            case ColumnStorage.Boolean when !IsVector:
            {
                var getter = cursor.GetGetter<bool>(column);
                bool value = false;
                return destination =>
                {
                    getter(ref value);
                    destination[0] = value ? 1f : 0f;
                };
            }
            case ColumnStorage.Key:
            {
                var getter = cursor.GetGetter<uint>(column);
                uint key = 0;
                return destination =>
                {
                    getter(ref key);
                    if (key > KeyCount)
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                            $"Column '{Name}', row {cursor.Position}: the key {key} lies above the key type's count, {KeyCount}."), "input");
                    }
                    destination[0] = key == 0 ? float.NaN : key - 1;
                };
            }
            case ColumnStorage.Integer:
                return IntegerTypes.Reader(IntegerType!, cursor, column, Width, IsVector);
            case ColumnStorage.Single:
                return VectorReaders.Create(cursor, column, Width);
            case ColumnStorage.Double:
                return VectorReaders.Create<double>(cursor, column, Width, static v => (float)v);
            default:
                return VectorReaders.Create<bool>(cursor, column, Width, static v => v ? 1f : 0f);
        }
    }
}

/// <summary>
/// The input columns of the multi-column step: the kinds each ML.NET type may take, the schema checks (with ML.NET's messages),
/// and the row reader that training and the diagnostics use.
/// </summary>
internal sealed class TableInput : IRowSource
{
    private const string Accepted = "Single, Double, an integer type, Key<UInt32> or Boolean, scalar or known-size vector (a key scalar only)";

    private TableInput(IReadOnlyList<TableInputColumn> columns)
    {
        Columns = columns;
    }

    public IReadOnlyList<TableInputColumn> Columns { get; }

    public IReadOnlyList<string> ColumnNames => Columns.Select(c => c.Name).ToArray();

    public int Width => Columns.Sum(c => c.Width);

    public string? MessageColumn => null;

    public string Description => $"columns {string.Join(", ", Columns.Select(c => $"'{c.Name}'"))}";

    public TableSpecification Specification => new(Columns.Select(c => c.Specification).ToArray());

    /// <summary>Checks the names before any schema: at least one, none empty or repeated, and every kind override names one of them.</summary>
    public static void CheckNames(IReadOnlyList<string> names, IReadOnlyDictionary<string, ColumnKind> kinds, string outputColumnName)
    {
        if (names.Count == 0)
            throw new ArgumentException("Name at least one input column.", "inputColumnNames");
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("An input column name is null or empty.", "inputColumnNames");
        }
        var repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new ArgumentException($"Input column '{repeated.Key}' is named twice; name each column once.", "inputColumnNames");
        if (names.Contains(outputColumnName))
        {
            throw new ArgumentException(
                $"The output column name ('{outputColumnName}') must differ from every input column's name: the code is a new column.", "outputColumnName");
        }
        foreach (var name in kinds.Keys)
        {
            if (!names.Contains(name))
            {
                throw new ArgumentException(
                    $"{nameof(MutualAutoencoderEstimator.Options)}.{nameof(MutualAutoencoderEstimator.Options.ColumnKinds)} names column '{name}', which is not an input column ({string.Join(", ", names.Select(n => $"'{n}'"))}).", "options");
            }
        }
    }

    /// <summary>Checks a schema shape before training, without data; throws ML.NET's schema mismatch naming the column.</summary>
    public static void Check(SchemaShape inputSchema, IReadOnlyList<string> names, IReadOnlyDictionary<string, ColumnKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var name in names)
        {
            SchemaShape.Column? found = null;
            foreach (var column in inputSchema)
            {
                if (column.Name == name)
                    found = column;
            }
            if (found is not SchemaShape.Column shape)
                throw Missing(name);
            if (shape.Kind == SchemaShape.Column.VectorKind.VariableVector)
                throw Mismatch(name, Accepted, $"variable-size Vector<{shape.ItemType}>");
            var storage = StorageOf(shape.ItemType, shape.IsKey, shape.Kind != SchemaShape.Column.VectorKind.Scalar)
                ?? throw Mismatch(name, Accepted, Describe(shape));
            ResolveKind(name, storage, kinds);
        }
    }

    /// <summary>Reads every column's storage, width and kind from a schema; throws ML.NET's schema mismatch naming the column.</summary>
    public static TableInput FromSchema(DataViewSchema schema, IReadOnlyList<string> names, IReadOnlyDictionary<string, ColumnKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var columns = new TableInputColumn[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i];
            var type = (schema.GetColumnOrNull(name) ?? throw Missing(name)).Type;
            var item = type is VectorDataViewType vector ? vector.ItemType : type;
            bool isVector = type is VectorDataViewType;
            if (type is VectorDataViewType { IsKnownSize: false })
                throw Mismatch(name, Accepted, $"variable-size {type}");
            var storage = StorageOf(item, item is KeyDataViewType, isVector) ?? throw Mismatch(name, Accepted, $"{type}");
            int keyCount = 0;
            if (storage == ColumnStorage.Key)
            {
                var key = (KeyDataViewType)item;
                if (key.Count < 2 || key.Count > int.MaxValue)
                {
                    throw new ArgumentOutOfRangeException("inputSchema", string.Create(CultureInfo.InvariantCulture,
                        $"Input column '{name}' is a key with {key.Count} values; a categorical or ordinal column needs between 2 and {int.MaxValue} classes or levels."));
                }
                keyCount = (int)key.Count;
            }
            int width = type is VectorDataViewType known ? known.Size : 1;
            columns[i] = new TableInputColumn(name, ResolveKind(name, storage, kinds), storage, width, isVector, keyCount,
                storage == ColumnStorage.Integer ? item.RawType : null);
        }
        return new TableInput(columns);
    }

    /// <summary>Checks that a schema to transform has every column with the type the model was trained on.</summary>
    public void CheckScoring(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        foreach (var column in Columns)
        {
            var found = schema.GetColumnOrNull(column.Name) ?? throw Missing(column.Name);
            bool ok = column.IsVector
                ? found.Type is VectorDataViewType { ItemType: var item, Size: var size } && item.Equals(((VectorDataViewType)column.Type).ItemType) && size == column.Width
                : found.Type.Equals(column.Type);
            if (!ok)
                throw Mismatch(column.Name, $"{column.Type} (the type the model was trained on)", $"{found.Type}");
        }
    }

    public Action<Span<float>> MakeTrainingReader(DataViewRowCursor cursor)
    {
        var readers = Columns.Select(c => c.MakeReader(cursor)).ToArray();
        var widths = Columns.Select(c => c.Width).ToArray();
        return destination =>
        {
            int offset = 0;
            for (int c = 0; c < readers.Length; c++)
            {
                readers[c](destination.Slice(offset, widths[c]));
                offset += widths[c];
            }
        };
    }

    /// <summary>Whether an input column of this item type can hold missing cells, so that the step can impute it.</summary>
    public static bool CanBeMissing(DataViewType item, bool isKey, bool isVector) =>
        StorageOf(item, isKey, isVector) is ColumnStorage storage && TableInputColumn.HasMissingValue(storage);

    private static ColumnStorage? StorageOf(DataViewType item, bool isKey, bool isVector)
    {
        if (isKey)
            return item.RawType == typeof(uint) && !isVector ? ColumnStorage.Key : null;
        if (item == NumberDataViewType.Single)
            return ColumnStorage.Single;
        if (item == NumberDataViewType.Double)
            return ColumnStorage.Double;
        if (item == BooleanDataViewType.Instance)
            return ColumnStorage.Boolean;
        if (IntegerTypes.IsInteger(item))
            return ColumnStorage.Integer;
        return null;
    }

    /// <summary>The column's kind: the override, checked against the storage, or the storage's default.</summary>
    private static ColumnKind ResolveKind(string name, ColumnStorage storage, IReadOnlyDictionary<string, ColumnKind> kinds)
    {
        ColumnKind[] allowed = storage switch
        {
            ColumnStorage.Single => [ColumnKind.Real, ColumnKind.Positive, ColumnKind.Count, ColumnKind.Binary],
            ColumnStorage.Double => [ColumnKind.Real, ColumnKind.Positive, ColumnKind.Count],
            ColumnStorage.Key => [ColumnKind.Categorical, ColumnKind.Ordinal],
            ColumnStorage.Integer => [ColumnKind.Count, ColumnKind.Real, ColumnKind.Positive],
            _ => [ColumnKind.Binary],
        };
        if (!kinds.TryGetValue(name, out var kind))
            return allowed[0];
        if (!allowed.Contains(kind))
        {
            throw new ArgumentException(
                $"{nameof(MutualAutoencoderEstimator.Options)}.{nameof(MutualAutoencoderEstimator.Options.ColumnKinds)} makes column '{name}' {kind}, but it holds {storage} values; a {storage} column can be {string.Join(" or ", allowed)}." +
                (kind is ColumnKind.Categorical or ColumnKind.Ordinal ? " Map values to a key first (mlContext.Transforms.Conversion.MapValueToKey)." : string.Empty),
                "options");
        }
        return kind;
    }

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType.RawType.Name}>" : $"{column.ItemType}";
        return column.Kind == SchemaShape.Column.VectorKind.Scalar ? item : $"Vector<{item}>";
    }

    private static ArgumentOutOfRangeException Missing(string name) =>
        new("inputSchema", $"Could not find input column '{name}'. Expected {Accepted}.");

    private static ArgumentOutOfRangeException Mismatch(string name, string expected, string actual) =>
        new("inputSchema", $"Schema mismatch for input column '{name}': expected {expected}, got {actual}." +
            " (Convert other types to Single with mlContext.Transforms.Conversion.ConvertType, and text to a key with MapValueToKey.)");
}

/// <summary>
/// ML.NET's integer column types, which the multi-column step reads as counts by default (or as real or positive values): their item
/// types, the element types of their graph inputs, and their readers. Integers have no missing value.
/// </summary>
internal static class IntegerTypes
{
    private static readonly Dictionary<Type, (NumberDataViewType Item, TableColumnType Export)> Types = new()
    {
        [typeof(sbyte)] = (NumberDataViewType.SByte, TableColumnType.SByte),
        [typeof(byte)] = (NumberDataViewType.Byte, TableColumnType.Byte),
        [typeof(short)] = (NumberDataViewType.Int16, TableColumnType.Int16),
        [typeof(ushort)] = (NumberDataViewType.UInt16, TableColumnType.UInt16),
        [typeof(int)] = (NumberDataViewType.Int32, TableColumnType.Int32),
        [typeof(uint)] = (NumberDataViewType.UInt32, TableColumnType.UInt32),
        [typeof(long)] = (NumberDataViewType.Int64, TableColumnType.Int64),
        [typeof(ulong)] = (NumberDataViewType.UInt64, TableColumnType.UInt64),
    };

    public static bool IsInteger(DataViewType item) => item is NumberDataViewType && Types.ContainsKey(item.RawType);

    public static NumberDataViewType ItemType(Type raw) => Types[raw].Item;

    public static TableColumnType ExportType(Type raw) => Types[raw].Export;

    /// <summary>A reader of the column's values as floats (exact up to 2^24 in magnitude, as the graph's float arithmetic).</summary>
    public static Action<Span<float>> Reader(Type raw, DataViewRowCursor cursor, DataViewSchema.Column column, int width, bool isVector) => raw switch
    {
        _ when raw == typeof(sbyte) => Create<sbyte>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(byte) => Create<byte>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(short) => Create<short>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(ushort) => Create<ushort>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(int) => Create<int>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(uint) => Create<uint>(cursor, column, width, isVector, static v => v),
        _ when raw == typeof(long) => Create<long>(cursor, column, width, isVector, static v => v),
        _ => Create<ulong>(cursor, column, width, isVector, static v => v),
    };

    private static Action<Span<float>> Create<T>(DataViewRowCursor cursor, DataViewSchema.Column column, int width, bool isVector, Func<T, float> convert)
    {
        if (isVector)
            return VectorReaders.Create(cursor, column, width, convert);
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return destination =>
        {
            getter(ref value);
            destination[0] = convert(value);
        };
    }
}

/// <summary>Readers of known-size vector columns into rows of floats, for the single-column and the multi-column steps.</summary>
internal static class VectorReaders
{
    /// <summary>A reader of a Single vector column: a straight copy (sparse vectors expanded with 0).</summary>
    public static Action<Span<float>> Create(DataViewRowCursor cursor, DataViewSchema.Column column, int width)
    {
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return destination =>
        {
            getter(ref buffer);
            ThrowIfOtherSize(buffer.Length, width, column, cursor);
            buffer.CopyTo(destination);
        };
    }

    /// <summary>
    /// A reader that writes the cursor's current vector as <paramref name="width"/> floats through <paramref name="convert"/> (a sparse
    /// vector's implicit values are the type's default, 0 or false).
    /// </summary>
    public static Action<Span<float>> Create<T>(DataViewRowCursor cursor, DataViewSchema.Column column, int width, Func<T, float> convert)
    {
        var getter = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        float implicitValue = convert(default!);
        return destination =>
        {
            getter(ref buffer);
            ThrowIfOtherSize(buffer.Length, width, column, cursor);
            var values = buffer.GetValues();
            if (buffer.IsDense)
            {
                for (int i = 0; i < width; i++)
                    destination[i] = convert(values[i]);
            }
            else
            {
                destination[..width].Fill(implicitValue);
                var indices = buffer.GetIndices();
                for (int i = 0; i < values.Length; i++)
                    destination[indices[i]] = convert(values[i]);
            }
        };
    }

    /// <summary>Throws when a row's vector breaks the size its column type promises.</summary>
    private static void ThrowIfOtherSize(int length, int width, DataViewSchema.Column column, DataViewRowCursor cursor)
    {
        if (length != width)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Column '{column.Name}', row {cursor.Position}: the vector has {length} values, but the column type promises {width}."));
        }
    }
}
