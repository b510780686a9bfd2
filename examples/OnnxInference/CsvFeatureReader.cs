using System.Globalization;

namespace OnnxInference;

/// <summary>
/// Reads rows of comma-separated numbers (invariant culture: '.' decimal point) into a float buffer, a batch at a time.
/// The first line is a header when its first field is not a number. Blank lines are skipped; quoted fields are not supported.
/// </summary>
/// <remarks>
/// Rows are numbered from 1 without the header, as the caller prints them; messages add the line number when it differs.
/// </remarks>
internal sealed class CsvFeatureReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly string _fileName;
    private readonly int _width;
    private readonly string _widthSource;
    private string[]? _header;
    private string? _firstDataLine;
    private long _lineNumber;
    private long _rowNumber;

    /// <param name="path">The CSV file.</param>
    /// <param name="width">The number of values every row must have.</param>
    /// <param name="widthSource">Where <paramref name="width"/> comes from, quoted in messages, e.g. "model metadata mae.input_width=784".</param>
    public CsvFeatureReader(string path, int width, string widthSource)
    {
        _reader = new StreamReader(path);
        _fileName = Path.GetFileName(path);
        _width = width;
        _widthSource = widthSource;
        ReadHeader();
    }

    /// <summary>
    /// Parses up to <c>destination.Length / width</c> rows into <paramref name="destination"/>, row-major.
    /// </summary>
    /// <returns>The number of rows read; 0 at the end of the file.</returns>
    /// <exception cref="InvalidDataException">A row has the wrong number of values, or a value is not a finite number.</exception>
    public int ReadBatch(Span<float> destination)
    {
        int capacity = destination.Length / _width;
        int rows = 0;
        while (rows < capacity && NextDataLine() is string line)
        {
            ParseRow(line, destination.Slice(rows * _width, _width));
            rows++;
        }

        return rows;
    }

    public void Dispose() => _reader.Dispose();

    private void ReadHeader()
    {
        string? line = NextNonBlankLine();
        if (line is null)
        {
            return;
        }

        int comma = line.IndexOf(',');
        ReadOnlySpan<char> firstField = comma < 0 ? line : line.AsSpan(0, comma);
        if (float.TryParse(firstField, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            _firstDataLine = line;
            return;
        }

        _header = line.Split(',');
        if (_header.Length != _width)
        {
            throw new InvalidDataException(
                $"The header of {_fileName} names {_header.Length} column{(_header.Length == 1 ? "" : "s")}; the encoder expects {_width} ({_widthSource}).{SeparatorHint(line)}");
        }
    }

    private string? NextDataLine()
    {
        string? line = _firstDataLine ?? NextNonBlankLine();
        _firstDataLine = null;
        if (line is not null)
        {
            _rowNumber++;
        }

        return line;
    }

    private string? NextNonBlankLine()
    {
        while (_reader.ReadLine() is string line)
        {
            _lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                return line;
            }
        }

        return null;
    }

    private void ParseRow(string line, Span<float> row)
    {
        ReadOnlySpan<char> rest = line;
        int valueCount = rest.Count(',') + 1;
        if (valueCount != _width)
        {
            throw new InvalidDataException($"{DescribeRow()} has {valueCount} value{(valueCount == 1 ? "" : "s")}; the encoder expects {_width} ({_widthSource}).{SeparatorHint(line)}");
        }

        for (int column = 0; column < _width; column++)
        {
            int comma = rest.IndexOf(',');
            ReadOnlySpan<char> field = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            {
                string problem = field.IsWhiteSpace() ? "the value is empty" : $"'{field}' is not a number";
                throw new InvalidDataException($"{DescribeRow()}, {DescribeColumn(column)}: {problem}.");
            }

            if (!float.IsFinite(value))
            {
                string problem = float.IsNaN(value) ? "is NaN" : "is infinite as a float";
                throw new InvalidDataException($"{DescribeRow()}, {DescribeColumn(column)}: '{field.Trim()}' {problem}; the encoder needs finite values.");
            }

            row[column] = value;
        }
    }

    private static string SeparatorHint(string line) =>
        line.AsSpan().IndexOfAny(';', '\t') >= 0 ? " Separate values with commas, not ';' or tabs." : "";

    private string DescribeRow() =>
        _lineNumber == _rowNumber ? $"Row {_rowNumber} of {_fileName}" : $"Row {_rowNumber} of {_fileName} (line {_lineNumber})";

    private string DescribeColumn(int column) =>
        _header is null ? $"column {column + 1}" : $"column {column + 1} ('{_header[column].Trim()}')";
}
