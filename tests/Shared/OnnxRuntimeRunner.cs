using Microsoft.ML.OnnxRuntime;

namespace Mae.Tests.Shared;

/// <summary>Runs an exported model with ONNX Runtime.</summary>
internal static class OnnxRuntimeRunner
{
    public static Dictionary<string, float[]> Run(byte[] model, string inputName, float[] input, int batch, int width)
    {
        using var session = new InferenceSession(model);
        return Run(session, inputName, input, batch, width);
    }

    public static Dictionary<string, float[]> Run(InferenceSession session, string inputName, float[] input, int batch, int width)
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
