using Mae.Export;

namespace Mae.Export.Tests;

/// <summary>Writing to a file path: same bytes as the stream, replacement of existing files, and clean failures.</summary>
public sealed class FileOutputTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mae-export-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void FileHoldsTheSameBytesAsTheStream()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 1, InputPreprocessingKind.OneHot, HiddenActivation.Tanh);
        DecoderDescription decoder = TestNetworks.Decoder(seed: 2, DecoderFamily.Gaussian, HiddenActivation.Tanh);
        string encoderPath = Path.Combine(_directory.FullName, "encoder.onnx");
        string decoderPath = Path.Combine(_directory.FullName, "decoder.onnx");

        OnnxExporter.WriteEncoder(encoder, encoderPath);
        OnnxExporter.WriteDecoder(decoder, decoderPath);

        Assert.Equal(OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s)), File.ReadAllBytes(encoderPath));
        Assert.Equal(OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s)), File.ReadAllBytes(decoderPath));
        Assert.Equal(["decoder.onnx", "encoder.onnx"], FileNames());
    }

    [Fact]
    public void ExistingFileIsReplaced()
    {
        string path = Path.Combine(_directory.FullName, "model.onnx");
        File.WriteAllText(path, "an older, much longer file that must be entirely replaced by the model bytes ...........");
        DecoderDescription decoder = TestNetworks.Decoder(seed: 3, DecoderFamily.Bernoulli, HiddenActivation.Relu, hiddenSizes: []);

        OnnxExporter.WriteDecoder(decoder, path);

        Assert.Equal(OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s)), File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], FileNames());
    }

    [Fact]
    public void MissingDirectoryThrowsNamingThePathAndLeavesNoFile()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 4, InputPreprocessingKind.None, HiddenActivation.Relu);
        string path = Path.Combine(_directory.FullName, "missing", "encoder.onnx");

        var error = Assert.Throws<IOException>(() => OnnxExporter.WriteEncoder(encoder, path));

        Assert.Contains(path, error.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(FileNames());
    }

    [Fact]
    public void PathThatIsADirectoryThrowsNamingThePathAndLeavesNoFile()
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 5, DecoderFamily.Categorical, HiddenActivation.Relu);
        string path = Directory.CreateDirectory(Path.Combine(_directory.FullName, "taken")).FullName;

        Exception error = Assert.ThrowsAny<Exception>(() => OnnxExporter.WriteDecoder(decoder, path));

        Assert.True(error is IOException or UnauthorizedAccessException, $"Unexpected {error.GetType()}: {error.Message}");
        Assert.Contains(path, error.Message);
        Assert.True(Directory.Exists(path));
        Assert.Empty(FileNames());
        Assert.Empty(Directory.EnumerateFileSystemEntries(path));
    }

    [Fact]
    public void PathUnderAFileThrowsNamingThePathAndLeavesNoFile()
    {
        string blocker = Path.Combine(_directory.FullName, "plain.txt");
        File.WriteAllText(blocker, "not a directory");
        string path = Path.Combine(blocker, "encoder.onnx");
        EncoderDescription encoder = TestNetworks.Encoder(seed: 6, InputPreprocessingKind.None, HiddenActivation.Relu);

        Exception error = Assert.ThrowsAny<Exception>(() => OnnxExporter.WriteEncoder(encoder, path));

        Assert.True(error is IOException or UnauthorizedAccessException, $"Unexpected {error.GetType()}: {error.Message}");
        Assert.Contains(path, error.Message);
        Assert.Equal(["plain.txt"], FileNames());
        Assert.Equal("not a directory", File.ReadAllText(blocker));
    }

    [Fact]
    public void EmptyPathIsRejected()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 7, InputPreprocessingKind.None, HiddenActivation.Relu);

        Assert.Throws<ArgumentException>(() => OnnxExporter.WriteEncoder(encoder, ""));
        Assert.Throws<ArgumentNullException>(() => OnnxExporter.WriteEncoder(encoder, (string)null!));
    }

    private string[] FileNames() =>
        _directory.EnumerateFiles("*", SearchOption.AllDirectories).Select(f => f.Name).Order(StringComparer.Ordinal).ToArray();
}
