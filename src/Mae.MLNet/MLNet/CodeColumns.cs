using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>
/// The code columns: the posterior mean and the optional log-variance, each a <c>Vector&lt;Single, d&gt;</c> whose slots
/// are named z0 … z(d−1). The names are given here once: the estimator's schema takes them from <see cref="Add"/>, the
/// transformer's from the ONNX encoder it embeds, which records <see cref="SlotNames"/>.
/// </summary>
/// <remarks>
/// ML.NET keeps the constructor of <see cref="SchemaShape.Column"/> internal. A custom mapping with no inputs and an
/// output schema definition is the public way to obtain the shape of a column of a given type: its estimator reports
/// the added columns without touching data. The mapping itself is never fitted or run.
/// </remarks>
internal static class CodeColumns
{
    /// <summary>ML.NET's annotation kind for the names of a vector's slots (its AnnotationUtils.Kinds is internal).</summary>
    private const string SlotNamesKind = "SlotNames";

    /// <summary>The slot names of a code of <paramref name="latentDimension"/> dimensions: z0, z1, ….</summary>
    public static string[] SlotNames(int latentDimension) =>
        Enumerable.Range(0, latentDimension).Select(i => string.Create(CultureInfo.InvariantCulture, $"z{i}")).ToArray();

    public static SchemaShape Add(TransformsCatalog catalog, SchemaShape inputSchema, string meanColumnName, string? logVarianceColumnName, int latentDimension)
    {
        var type = new VectorDataViewType(NumberDataViewType.Single, latentDimension);
        var slotNamesType = new VectorDataViewType(TextDataViewType.Instance, latentDimension);
        var slotNames = new VBuffer<ReadOnlyMemory<char>>(latentDimension, SlotNames(latentDimension).Select(n => n.AsMemory()).ToArray());
        void Describe(SchemaDefinition.Column column, string name)
        {
            column.ColumnName = name;
            column.ColumnType = type;
            column.AddAnnotation(SlotNamesKind, slotNames, slotNamesType);
        }

        if (logVarianceColumnName is null)
        {
            var definition = SchemaDefinition.Create(typeof(MeanRow));
            Describe(definition[0], meanColumnName);
            return catalog.CustomMapping<NoInput, MeanRow>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
        }
        else
        {
            var definition = SchemaDefinition.Create(typeof(MeanAndLogVarianceRow));
            foreach (var column in definition)
                Describe(column, column.MemberName == nameof(MeanAndLogVarianceRow.Mean) ? meanColumnName : logVarianceColumnName);
            return catalog.CustomMapping<NoInput, MeanAndLogVarianceRow>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
        }
    }

    /// <summary>
    /// Adds (or replaces, when the name exists) a column of a known-size vector type without touching data; the item type must be
    /// Single, Double or a key over UInt32 (a key's count does not show in a <see cref="SchemaShape"/>).
    /// </summary>
    public static SchemaShape AddVector(TransformsCatalog catalog, SchemaShape inputSchema, string name, VectorDataViewType type) => type.ItemType switch
    {
        var item when item == NumberDataViewType.Single => AddVector<float>(catalog, inputSchema, name, type),
        var item when item == NumberDataViewType.Double => AddVector<double>(catalog, inputSchema, name, type),
        _ => AddVector<uint>(catalog, inputSchema, name, type),
    };

    private static SchemaShape AddVector<T>(TransformsCatalog catalog, SchemaShape inputSchema, string name, VectorDataViewType type)
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow<T>));
        definition[0].ColumnName = name;
        definition[0].ColumnType = type;
        return catalog.CustomMapping<NoInput, VectorRow<T>>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
    }

    internal sealed class VectorRow<T>
    {
        public T[] Value = [];
    }

    internal sealed class NoInput;

    internal sealed class MeanRow
    {
        public float[] Mean = [];
    }

    internal sealed class MeanAndLogVarianceRow
    {
        public float[] Mean = [];

        public float[] LogVariance = [];
    }
}
