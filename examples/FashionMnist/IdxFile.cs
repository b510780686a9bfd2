using System.Buffers.Binary;
using System.IO.Compression;

/// <summary>The dimensions and values of an IDX file of unsigned bytes, row-major.</summary>
sealed record IdxArray(IReadOnlyList<int> Dimensions, byte[] Values);

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped (told apart by the gzip magic bytes, not the name).
/// </summary>
/// <remarks>
/// The header is a big-endian magic number 0x0000TTDD, where TT is the value type (0x08: unsigned byte) and DD the number of
/// dimensions, then DD big-endian 32-bit sizes; the values follow, row-major, and nothing after them.
/// </remarks>
static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an IDX file of unsigned bytes with <paramref name="dimensionCount"/> dimensions.</summary>
    /// <exception cref="InvalidDataException">The file is not such an IDX file; the message names the file and the expected and actual values.</exception>
    public static IdxArray Read(string path, int dimensionCount)
    {
        using var file = File.OpenRead(path);
        bool gzipped = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;

        Span<byte> word = stackalloc byte[4];
        ReadExactly(stream, word, path, "the magic number");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(word);
        uint expected = (uint)(UnsignedByte << 8 | dimensionCount);
        if (magic != expected)
        {
            string meaning = word[0] == 0 && word[1] == 0
                ? $"value type 0x{word[2]:X2} with {word[3]} dimension(s)"
                : "not an IDX header";
            throw Invalid(path, $"magic number 0x{magic:X8} ({meaning}); expected 0x{expected:X8} (unsigned bytes, {dimensionCount} dimension(s))");
        }

        var dimensions = new int[dimensionCount];
        long count = 1;
        for (int i = 0; i < dimensionCount; i++)
        {
            ReadExactly(stream, word, path, $"the size of dimension {i}");
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dimensions[i] <= 0)
                throw Invalid(path, $"dimension {i} has size {dimensions[i]}; expected a positive size");
            count *= dimensions[i];
            if (count > Array.MaxLength)
                throw Invalid(path, $"dimensions [{string.Join(", ", dimensions[..(i + 1)])}] hold more than {Array.MaxLength} values");
        }

        var values = new byte[count];
        ReadExactly(stream, values, path, $"the values of dimensions [{string.Join(", ", dimensions)}]");
        if (stream.ReadByte() >= 0)
            throw Invalid(path, $"data continues after the {count} values that dimensions [{string.Join(", ", dimensions)}] declare; expected the end of the file");
        return new IdxArray(dimensions, values);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw Invalid(path, $"the file ends after {read} of the {buffer.Length} bytes of {what}");
    }

    private static InvalidDataException Invalid(string path, string problem) => new($"{path} is not a valid IDX file: {problem}.");
}
