using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// A cursor over rows computed as it moves (the generated views of the memory benchmarks): it counts positions up to
/// <paramref name="rowCount"/>, computes each row with <see cref="Generate"/> when any column is read, runs
/// <paramref name="passEnded"/> when such a cursor moves past the last row, and draws uniforms with xorshift64* from
/// <see cref="State"/>, which a view seeds once per cursor or once per row.
/// </summary>
internal abstract class GeneratedCursor(DataViewSchema schema, long rowCount, bool anyActive, ulong state, Action? passEnded) : DataViewRowCursor
{
    private long position = -1;
    private bool ended;

    /// <summary>Whether any column is read, so that rows are computed.</summary>
    protected bool AnyActive { get; } = anyActive;

    /// <summary>The generator's state.</summary>
    protected ulong State { get; set; } = state;

    public override long Position => position;

    public override long Batch => 0;

    public override DataViewSchema Schema => schema;

    public override bool MoveNext()
    {
        if (position + 1 >= rowCount)
        {
            if (AnyActive && !ended)
                passEnded?.Invoke();
            ended = true;
            return false;
        }
        position++;
        if (AnyActive)
            Generate();
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId value) => value = new DataViewRowId((ulong)position, 0);

    /// <summary>Computes the row at <see cref="Position"/>.</summary>
    protected abstract void Generate();

    /// <summary>xorshift64*: a uniform in [0, 1) with 53 bits.</summary>
    protected double NextUniform()
    {
        ulong s = State;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        State = s;
        return ((s * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
    }
}
