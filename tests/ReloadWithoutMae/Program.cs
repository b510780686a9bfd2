using Microsoft.ML;
using Microsoft.ML.Data;
using ReloadWithoutMae;

// Loads an ML.NET model zip (a pipeline saved with mlContext.Model.Save, including the Mutual Autoencoder step) in a
// process that references Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime only, scores the rows
// of an input file with it and writes one output column. Files use the format of RowFile.cs.
//
//   dotnet run -c Release --project tests/ReloadWithoutMae -- model.zip input.bin output.bin Code [Features]
//
// The input column defaults to the only known-size vector of Single in the model's saved input schema. It prints the
// type and slot names of every column of the transformed data.
//
// A second form reads and writes ML.NET's binary data view files (mlContext.Data.SaveAsBinary), which hold columns of any
// type (keys, Booleans, Doubles, vectors, missing values), for pipelines over tables:
//
//   dotnet run -c Release --project tests/ReloadWithoutMae -- --binary model.zip input.idv output.idv
//
// It writes every visible column of the transformed data.
const string Usage = "Usage: ReloadWithoutMae <model.zip> <input rows> <output rows> <output column> [<input column>]\n       ReloadWithoutMae --binary <model.zip> <input.idv> <output.idv>";

if (args.Length == 4 && args[0] == "--binary")
    return BinaryMode.Run(args[1], args[2], args[3]);

if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine($"Expected 4 or 5 arguments, got {args.Length}.");
    Console.Error.WriteLine(Usage);
    return 2;
}
string modelPath = args[0], inputPath = args[1], outputPath = args[2], outputColumnName = args[3];
string? inputColumnName = args.Length == 5 ? args[4] : null;
foreach (var (path, what) in new[] { (modelPath, "model"), (inputPath, "input") })
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"The {what} file '{path}' does not exist.");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

try
{
    var (rows, width, values) = RowFile.Read(inputPath);

    var mlContext = new MLContext(seed: 1);
    var model = mlContext.Model.Load(modelPath, out var savedSchema);
    var steps = model as IEnumerable<ITransformer> ?? [model];
    Console.WriteLine($"Program directory: {AppContext.BaseDirectory}");
    Console.WriteLine($"Loaded {modelPath}: {model.GetType().FullName}");
    foreach (var step in steps)
        Console.WriteLine($"  transformer: {step.GetType().FullName}");

    var inputColumn = FindInputColumn(savedSchema, inputColumnName);
    var inputType = (VectorDataViewType)inputColumn.Type;
    if (inputType.Size != width)
    {
        Console.Error.WriteLine($"The input file has rows of {width} values, but column '{inputColumn.Name}' of the saved schema is {inputType}.");
        return 2;
    }

    // The vector's size is known only now: set it on the schema definition of the row class.
    var definition = SchemaDefinition.Create(typeof(InputRow));
    definition[0].ColumnName = inputColumn.Name;
    definition[0].ColumnType = inputType;
    var input = mlContext.Data.LoadFromEnumerable(
        Enumerable.Range(0, rows).Select(r => new InputRow { Values = values.AsSpan(r * width, width).ToArray() }), definition);

    var output = model.Transform(input);
    foreach (var column in output.Schema.Where(c => !c.IsHidden))
        Console.WriteLine($"  column '{column.Name}': {column.Type}; slot names: {DescribeSlotNames(column)}");
    var outputColumn = output.Schema.GetColumnOrNull(outputColumnName);
    if (outputColumn is null)
    {
        Console.Error.WriteLine($"The transformed data has no column '{outputColumnName}'; it has {string.Join(", ", output.Schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"))}.");
        return 2;
    }
    if (outputColumn.Value.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } outputType || item != NumberDataViewType.Single)
    {
        Console.Error.WriteLine($"Output column '{outputColumnName}' is {outputColumn.Value.Type}; this program writes known-size vectors of Single.");
        return 2;
    }

    int outputWidth = outputType.Size;
    var results = new float[rows * outputWidth];
    int read = 0;
    using (var cursor = output.GetRowCursor([outputColumn.Value]))
    {
        var getter = cursor.GetGetter<VBuffer<float>>(outputColumn.Value);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            if (read == rows)
                throw new InvalidOperationException($"The transformed data has more rows than the {rows} of the input.");
            getter(ref buffer);
            buffer.CopyTo(results.AsSpan(read * outputWidth, outputWidth));
            read++;
        }
    }
    if (read != rows)
        throw new InvalidOperationException($"The transformed data has {read} rows; the input has {rows}.");
    RowFile.Write(outputPath, rows, outputWidth, results);
    Console.WriteLine($"Scored {rows} rows of '{inputColumn.Name}' ({inputType}); wrote '{outputColumnName}' ({outputType}) to {outputPath}");

    return LoadedAssemblies.ReportForeign();
}
catch (Exception error) when (error is IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"Failed: {error.GetType().Name}: {error.Message}");
    return 1;
}

static string DescribeSlotNames(DataViewSchema.Column column)
{
    if (!column.HasSlotNames())
        return "none";
    VBuffer<ReadOnlyMemory<char>> names = default;
    column.GetSlotNames(ref names);
    return string.Join(", ", names.DenseValues());
}

static DataViewSchema.Column FindInputColumn(DataViewSchema schema, string? name)
{
    static bool IsSingleVector(DataViewSchema.Column column) =>
        column.Type is VectorDataViewType { ItemType: var item, IsKnownSize: true } && item == NumberDataViewType.Single;

    string described = string.Join(", ", schema.Select(c => $"'{c.Name}' ({c.Type})"));
    if (name is not null)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException($"The model's saved input schema has no column '{name}'; it has {described}.");
        return IsSingleVector(column)
            ? column
            : throw new ArgumentException($"Input column '{name}' is {column.Type}; this program feeds known-size vectors of Single.");
    }
    var candidates = schema.Where(c => !c.IsHidden && IsSingleVector(c)).ToArray();
    return candidates.Length == 1
        ? candidates[0]
        : throw new ArgumentException($"The model's saved input schema has {candidates.Length} known-size vectors of Single ({described}); name the input column as the fifth argument.");
}

/// <summary>One input row; the column's name and size come from the saved schema through a <see cref="SchemaDefinition"/>.</summary>
internal sealed class InputRow
{
    public float[] Values = [];
}
