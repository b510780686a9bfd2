using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.MLNet;

/// <summary>Adds the code columns (known-size vectors of Single) to a schema shape.</summary>
/// <remarks>
/// ML.NET keeps the constructor of <see cref="SchemaShape.Column"/> internal. A custom mapping with no inputs and an
/// output schema definition is the public way to obtain the shape of a column of a given type: its estimator reports
/// the added columns without touching data. The mapping itself is never fitted or run.
/// </remarks>
internal static class CodeColumns
{
    public static SchemaShape Add(TransformsCatalog catalog, SchemaShape inputSchema, string meanColumnName, string? logVarianceColumnName, int latentDimension)
    {
        var type = new VectorDataViewType(NumberDataViewType.Single, latentDimension);
        if (logVarianceColumnName is null)
        {
            var definition = SchemaDefinition.Create(typeof(MeanRow));
            definition[0].ColumnName = meanColumnName;
            definition[0].ColumnType = type;
            return catalog.CustomMapping<NoInput, MeanRow>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
        }
        else
        {
            var definition = SchemaDefinition.Create(typeof(MeanAndLogVarianceRow));
            foreach (var column in definition)
            {
                column.ColumnType = type;
                column.ColumnName = column.MemberName == nameof(MeanAndLogVarianceRow.Mean) ? meanColumnName : logVarianceColumnName;
            }
            return catalog.CustomMapping<NoInput, MeanAndLogVarianceRow>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
        }
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
