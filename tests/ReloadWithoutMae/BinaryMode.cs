using Microsoft.ML;

namespace ReloadWithoutMae;

/// <summary>Scores an ML.NET binary data view file with a saved model and writes the transformed data's visible columns to another.</summary>
internal static class BinaryMode
{
    public static int Run(string modelPath, string inputPath, string outputPath)
    {
        try
        {
            var mlContext = new MLContext(seed: 1);
            var model = mlContext.Model.Load(modelPath, out _);
            Console.WriteLine($"Program directory: {AppContext.BaseDirectory}");
            Console.WriteLine($"Loaded {modelPath}: {model.GetType().FullName}");
            foreach (var step in Steps(model))
                Console.WriteLine($"  transformer: {step.GetType().FullName}");
            var input = mlContext.Data.LoadFromBinary(inputPath);
            var output = model.Transform(input);
            foreach (var column in output.Schema.Where(c => !c.IsHidden))
                Console.WriteLine($"  column '{column.Name}': {column.Type}");
            using (var stream = File.Create(outputPath))
                mlContext.Data.SaveAsBinary(output, stream, keepHidden: false);
            Console.WriteLine($"Wrote {output.GetRowCount()?.ToString() ?? "the"} rows to {outputPath}");
            return LoadedAssemblies.ReportForeign();
        }
        catch (Exception error) when (error is IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"Failed: {error.GetType().Name}: {error.Message}");
            return 1;
        }
    }

    /// <summary>The steps of a model, nested chains (a saved Mutual Autoencoder step is one) opened up.</summary>
    private static IEnumerable<ITransformer> Steps(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Steps) : [model];
}
