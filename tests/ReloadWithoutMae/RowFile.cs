using System.Buffers.Binary;

namespace ReloadWithoutMae;

/// <summary>
/// Rows of floats in a small binary file: the row count and the row width as little-endian Int32, then
/// count × width little-endian Single values, row after row. Mae.Tests writes the inputs and reads the outputs in this format.
/// </summary>
internal static class RowFile
{
    private const int HeaderBytes = 8;

    public static (int Rows, int Width, float[] Values) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderBytes)
            throw new InvalidDataException($"'{path}' has {bytes.Length} bytes; a row file starts with an 8-byte header (row count, row width).");
        int rows = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (rows < 0 || width <= 0)
            throw new InvalidDataException($"'{path}' declares {rows} rows of {width} values; the row count must be non-negative and the width positive.");
        long expected = HeaderBytes + 4L * rows * width;
        if (bytes.Length != expected)
            throw new InvalidDataException($"'{path}' declares {rows} rows of {width} values, which take {expected} bytes with the header, but the file has {bytes.Length}.");
        var values = new float[rows * width];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(HeaderBytes + 4 * i));
        return (rows, width, values);
    }

    public static void Write(string path, int rows, int width, ReadOnlySpan<float> values)
    {
        if (values.Length != rows * width)
            throw new ArgumentException($"{rows} rows of {width} values need {rows * width} values; got {values.Length}.", nameof(values));
        var bytes = new byte[HeaderBytes + 4 * values.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, rows);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), width);
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(HeaderBytes + 4 * i), values[i]);
        File.WriteAllBytes(path, bytes);
    }
}
