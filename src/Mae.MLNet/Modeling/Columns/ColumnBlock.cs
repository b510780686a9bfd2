using System.Globalization;
using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// One column of a table, of one kind, as the tabular decoder models it. Each kind is one class that owns everything that depends
/// on the kind: the value rule and its message, the network input (standardised with statistics of the training data, or
/// one-hot), the likelihood head p(x|z) on observed cells, the pairwise log-likelihood of the diagnostics, and the draw
/// x ~ p(x|z) with its information-gradient estimator. A missing cell is NaN in the rows the decoder reads (the ML.NET layer maps
/// a key of 0 to NaN); it contributes nothing to the likelihood, reaches the networks as 0 beside an observed-cell mask, and
/// is always drawn: the information bound's draws are whole rows.
/// </summary>
/// <remarks>
/// A block reads <see cref="ValueWidth"/> consecutive values of a row, its head reads <see cref="HeadWidth"/> decoder outputs
/// (a column's own are consecutive; a joined block's, see <see cref="Join"/>, are gathered from its columns' slices), and its
/// network input is <see cref="InputWidth"/> wide (the mask comes after every block's input). Every tensor a block receives
/// is already cut or gathered to its own.
/// </remarks>
internal abstract class ColumnBlock
{
    protected ColumnBlock(string name, int valueWidth)
    {
        if (valueWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(valueWidth), valueWidth, $"Column '{name}' must hold at least one value.");
        Name = name;
        ValueWidth = valueWidth;
    }

    /// <summary>The column's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The kind's name in messages ("real", "categorical", ...).</summary>
    public abstract string Kind { get; }

    /// <summary>Values the block reads from a row (cells; 1 for a categorical column, whose value is the class index, and one per column for a joined one).</summary>
    public int ValueWidth { get; }

    /// <summary>Width of the block's network input, the mask left out.</summary>
    public abstract int InputWidth { get; }

    /// <summary>Decoder outputs the block's distribution reads per code.</summary>
    public abstract int HeadWidth { get; }

    /// <summary>
    /// Head outputs per value when the head is laid out by value: <see cref="HeadWidth"/> = HeadGroups · <see cref="ValueWidth"/>,
    /// group-major (every slot's mean, then every slot's log-variance, say). 0 for a head that is not (a categorical column's logits).
    /// </summary>
    public virtual int HeadGroups => 0;

    /// <summary>
    /// One block of this kind over this column's values and then <paramref name="next"/>'s, which gives each cell exactly the
    /// distribution, network input and prediction the two give apart; <c>null</c> when <paramref name="next"/> is of another kind.
    /// Its values, network input and summary are the two columns' one after the other; its head is each of its
    /// <see cref="HeadGroups"/> groups over the slots of both, or, for a kind with no groups, the two heads one after the other.
    /// Training and scoring run adjacent columns of one kind as one block: a block costs the same few tensor operations whatever
    /// its width (categorical columns join while padding their logits to the widest column at most doubles them). The joined
    /// block's name (<see cref="JoinedName"/>) lists both columns; it is never asked to check values or to describe itself for
    /// ONNX (the columns' own blocks do both).
    /// </summary>
    public virtual ColumnBlock? Join(ColumnBlock next) => null;

    /// <summary>The name of the block that joins this column and <paramref name="next"/>.</summary>
    protected string JoinedName(ColumnBlock next) => $"{Name}, {next.Name}";

    /// <summary>Whether the draw is continuous and reparameterised (its network input carries the gradient) rather than discrete (score function).</summary>
    public abstract bool Reparameterised { get; }

    /// <summary>The rule an observed value must follow, as the end of an error message ("must be finite").</summary>
    public abstract string ValueRule { get; }

    /// <summary>Whether an observed value (never NaN) follows <see cref="ValueRule"/>. Runs on every value of every batch: keep it cheap.</summary>
    public abstract bool IsValid(float value);

    /// <summary>The message for a value that breaks <see cref="ValueRule"/>, naming the column, the row and the value.</summary>
    public string DescribeInvalid(string row, int cell, float value) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{row}, column '{Name}'{(ValueWidth > 1 ? $" (slot {cell})" : string.Empty)}: the value {value} {ValueRule} for {("aeiou".Contains(Kind[0]) ? "an" : "a")} {Kind} column.");

    /// <summary>The network input [N, <see cref="InputWidth"/>] of values [N, <see cref="ValueWidth"/>] with their observed mask (1 observed, 0 missing); missing cells give 0.</summary>
    public abstract Tensor NetworkInput(Tensor values, Tensor observed);

    /// <summary>log p(x|z) of each row's observed cells, [N], for head outputs [N, <see cref="HeadWidth"/>].</summary>
    public abstract Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed);

    /// <summary>log p(x_n|z_g) of every row's observed cells for every code: head outputs [G, H], values [N, W] → [N, G].</summary>
    public abstract Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed);

    /// <summary>
    /// Draws a value of every cell for head outputs [S, H]: the network input of the draw [S, <see cref="InputWidth"/>], carrying
    /// the gradient to the head when <see cref="Reparameterised"/>, and otherwise log p(draw|z) [S] with the gradient for the
    /// score-function estimator.
    /// </summary>
    public abstract BlockDraw Draw(Tensor head, Generator generator);

    /// <summary>
    /// The value the model predicts for each cell from head outputs [N, H], [N, <see cref="ValueWidth"/>] in the column's own units:
    /// the mean for a real or count column, the median exp(μ) for a positive one, the most probable class or outcome for a
    /// categorical or binary one. It is <see cref="Decide"/> of <see cref="Summary"/>.
    /// </summary>
    public Tensor Predict(Tensor head) => Decide(Summary(head));

    /// <summary>Width of <see cref="Summary"/>.</summary>
    public virtual int SummaryWidth => ValueWidth;

    /// <summary>
    /// The per-cell quantities of p(x|z) that a prediction averages over codes, [N, <see cref="SummaryWidth"/>] for head outputs [N, H]:
    /// the mean of the standardised value for a real or positive column, the rate for a count column, the class probabilities for a
    /// categorical column and the probability of 1 for a binary one. Averaged over draws z ~ q(z|x), they are the posterior predictive's.
    /// </summary>
    public abstract Tensor Summary(Tensor head);

    /// <summary>The predicted value of each cell, [N, <see cref="ValueWidth"/>] in the column's units, from a (possibly averaged) <see cref="Summary"/>.</summary>
    public abstract Tensor Decide(Tensor summary);

    /// <summary>The column's ONNX description (network input, mask and prediction inside the graph) for a graph input of element type <paramref name="type"/>.</summary>
    public abstract TableColumn Describe(TableColumnType type);
}

/// <summary>A block's draw: its network input, and for a discrete draw its log-probability under the head (with gradient).</summary>
internal readonly record struct BlockDraw(Tensor NetworkInput, Tensor? LogProbability);
