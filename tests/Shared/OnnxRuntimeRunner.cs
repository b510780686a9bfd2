using Microsoft.ML.OnnxRuntime;

namespace Mae.Tests.Shared;

/// <summary>
/// Runs an exported model with ONNX Runtime. The input's element type follows the array (float for most models,
/// uint for an encoder reading ML.NET keys); every output is read as float.
/// </summary>
internal static class OnnxRuntimeRunner
{
    public static Dictionary<string, float[]> Run<TInput>(byte[] model, string inputName, TInput[] input, int batch, int width)
        where TInput : unmanaged
    {
        using var session = new InferenceSession(model);
        return Run(session, inputName, input, batch, width);
    }

    public static Dictionary<string, float[]> Run<TInput>(InferenceSession session, string inputName, TInput[] input, int batch, int width)
        where TInput : unmanaged
    {
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, width]);
        string[] outputNames = session.OutputMetadata.Keys.ToArray();
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [inputName], [inputValue], outputNames);
        var result = new Dictionary<string, float[]>();
        int index = 0;
        foreach (OrtValue output in outputs)
        {
            long[] shape = output.GetTensorTypeAndShape().Shape;
            Assert.Equal(2, shape.Length);
            Assert.Equal(batch, shape[0]);
            result[outputNames[index++]] = output.GetTensorDataAsSpan<float>().ToArray();
        }

        return result;
    }

    /// <summary>
    /// Runs a model exported with one row per run (<c>OnnxTensorLayout.SingleRow</c>) on each of <paramref name="rows"/>
    /// rows in turn, as a [1, width] input, checks that every output is a vector, and returns each output's values for
    /// all rows, row after row.
    /// </summary>
    public static Dictionary<string, float[]> RunRows<TInput>(InferenceSession session, string inputName, TInput[] input, int rows, int width)
        where TInput : unmanaged
    {
        string[] outputNames = session.OutputMetadata.Keys.ToArray();
        var values = outputNames.ToDictionary(name => name, _ => new List<float>());
        using var runOptions = new RunOptions();
        for (int row = 0; row < rows; row++)
        {
            using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input[(row * width)..((row + 1) * width)], [1, width]);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [inputName], [inputValue], outputNames);
            int index = 0;
            foreach (OrtValue output in outputs)
            {
                Assert.Single(output.GetTensorTypeAndShape().Shape);
                values[outputNames[index++]].AddRange(output.GetTensorDataAsSpan<float>().ToArray());
            }
        }

        return values.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray());
    }

    public static byte[] ToBytes(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }
}
