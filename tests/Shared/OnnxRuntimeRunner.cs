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

    public static byte[] ToBytes(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }
}
