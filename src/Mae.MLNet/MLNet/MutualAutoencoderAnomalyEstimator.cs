using System.Globalization;
using Mae.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae;

/// <summary>
/// Trains a Mutual Autoencoder on one or several columns and produces a <see cref="MutualAutoencoderAnomalyTransformer"/> that scores
/// each row, in ML.NET's anomaly-detection conventions: <c>Score</c> (Single, higher is more unusual) and <c>PredictedLabel</c>
/// (Boolean, the score above a threshold). Create it with <c>mlContext.AnomalyDetection.Trainers.MutualAutoencoder(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The columns are read as the multi-column transform reads them (<c>mlContext.Transforms.MutualAutoencode(output, string[] inputs)</c>):
/// Single or Double scalars and vectors, keys, Booleans, with missing cells (NaN, key 0) modelled. One vector column is a table of one
/// real column.
/// </para>
/// <para>
/// The score is an estimate of −log p(x) in nats over the row's observed cells: the plug-in negative ELBO with the code at its posterior
/// mean, −log p(x | z = E_q[z|x]) + KL(q(z|x) ‖ p(z)) (<see cref="AnomalyScoreEstimator.PosteriorMean"/>), and +∞ for a row with a value
/// that breaks its column's rule or with no observed cell. Unlike RandomizedPca's relative
/// residual it is unbounded, on an absolute scale. A row with missing cells scores from its observed cells only, so fewer observed cells
/// give a smaller score: compare rows with the same missing columns, or read the score as "how unlikely are the cells this row has".
/// </para>
/// <para>
/// The threshold is the (1 − <see cref="Options.Contamination"/>) quantile of the training rows' scores, so that the fraction
/// <see cref="Options.Contamination"/> of the training rows is predicted anomalous; set <see cref="MutualAutoencoderAnomalyTransformer.Threshold"/>
/// to change it after training.
/// </para>
/// </remarks>
public sealed class MutualAutoencoderAnomalyEstimator : IEstimator<MutualAutoencoderAnomalyTransformer>
{
    private readonly MutualAutoencoderEstimator table;
    private readonly Options options;

    internal MutualAutoencoderAnomalyEstimator(IReadOnlyList<string> featureColumnNames, Options options)
    {
        ArgumentNullException.ThrowIfNull(featureColumnNames);
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateAnomalyOptions();
        this.options = (Options)options.Clone();
        // The code column is internal to the step: a name no input can have, dropped after scoring.
        table = new MutualAutoencoderEstimator(new MLContext(0).Transforms, CodeColumnName, featureColumnNames, this.options);
        foreach (var name in new[] { ScoreColumnName, PredictedLabelColumnName })
        {
            if (featureColumnNames.Contains(name))
                throw new ArgumentException($"Feature column '{name}' has the name of an output column; rename it or the output.", nameof(featureColumnNames));
        }
    }

    /// <summary>The score column's name, ML.NET's anomaly convention.</summary>
    internal const string ScoreColumnName = "Score";

    /// <summary>The predicted-label column's name, ML.NET's anomaly convention.</summary>
    internal const string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>The name the step gives its internal code column, which it drops.</summary>
    internal const string CodeColumnName = "Mae.AnomalyDetection.Code";

    /// <summary>The names of the columns the model learns from.</summary>
    public IReadOnlyList<string> FeatureColumnNames => table.InputColumnNames;

    /// <summary>The input schema with <c>Score</c> (Single) and <c>PredictedLabel</c> (Boolean) added, from the schema alone.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature column is missing or has a type the step cannot read; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        table.GetOutputSchema(inputSchema);   // checks the feature columns
        return AnomalyColumns.Add(new MLContext(0).Transforms, inputSchema, ScoreColumnName, PredictedLabelColumnName);
    }

    /// <summary>Trains the model on every row of <paramref name="input"/> and sets the threshold from the training rows' scores.</summary>
    /// <returns>The transformer; it holds native memory, so dispose it when done.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A feature column is missing or has another type.</exception>
    /// <exception cref="ArgumentException">The data is empty, or a value breaks its column's rule, or a row has every cell missing (the message names the column and the row).</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled through <see cref="MutualAutoencoderEstimator.Options.CancellationToken"/>.</exception>
    public MutualAutoencoderAnomalyTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        NativeBackends.EnsureOnnxRuntime();
        var (model, columns, _) = table.TrainTable(input);
        try
        {
            var scores = TrainingScores(model, columns, input);
            float threshold = ThresholdFor(scores, options.Contamination);
            return new MutualAutoencoderAnomalyTransformer(model, columns, ScoreColumnName, PredictedLabelColumnName, threshold, input.Schema);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The scores of every training row, in order, read through one cursor.</summary>
    private float[] TrainingScores(MutualAutoencoderModel model, TableInput columns, IDataView input)
    {
        var source = new DataViewTrainingData(input, columns, bufferRows: 1, options.CancellationToken);
        var scores = new List<float>();
        source.ReadAllRows(16_384, (values, rows) => scores.AddRange(model.ScoreAnomalies(values.AsSpan(0, rows * columns.Width))));
        return [.. scores];
    }

    /// <summary>
    /// The threshold that flags round(<paramref name="contamination"/> · n) of the <paramref name="scores"/>: halfway between the highest
    /// score left unflagged and the lowest one flagged, so that scores computed in another runtime (ONNX) within rounding fall on the
    /// same side unless two training scores lie within that rounding of each other.
    /// </summary>
    /// <remarks>Rows tied at the threshold stay unflagged, so ties can flag fewer rows than asked.</remarks>
    /// <exception cref="InvalidOperationException">A training row's score is not finite (the model diverged).</exception>
    internal static float ThresholdFor(float[] scores, double contamination)
    {
        int bad = scores.Count(s => !float.IsFinite(s));
        if (bad > 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{bad} of the {scores.Length} training rows score a value that is not finite, so no threshold can be set; the model did not train to a finite likelihood (see the training report)."));
        }
        var sorted = (float[])scores.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        int flagged = (int)Math.Round(contamination * n, MidpointRounding.AwayFromZero);
        if (flagged <= 0)
            return MathF.BitIncrement(sorted[^1]);
        if (flagged >= n)
            return MathF.BitDecrement(sorted[0]);
        return (float)(0.5 * ((double)sorted[n - flagged - 1] + sorted[n - flagged]));
    }

    /// <summary>Options of <see cref="MutualAutoencoderAnomalyEstimator"/>: the model's, training's and the column kinds' (as the multi-column transform's), plus the anomaly outputs.</summary>
    /// <remarks>
    /// <see cref="MutualAutoencoderEstimator.Options.LogVarianceColumnName"/>, <see cref="MutualAutoencoderEstimator.Options.ImputeMissingValues"/>,
    /// <see cref="MutualAutoencoderEstimator.Options.ImputationDraws"/> and <see cref="MutualAutoencoderEstimator.Options.ScoreColumnName"/> belong to the transform and must stay unset: the detector's
    /// outputs are always <c>Score</c> and <c>PredictedLabel</c>, as ML.NET's anomaly trainers' are.
    /// </remarks>
    public sealed class Options : MutualAutoencoderEstimator.Options
    {
        /// <summary>
        /// Creates the options with the detector's defaults: those of the transform, except <see cref="MutualAutoencoderOptions.TargetInformation"/>,
        /// 4 nats, the best of the VAE and M = 1, 2, 4, 8 in mean ROC-AUC over the five ODDS tables (README, "Anomaly detection").
        /// </summary>
        public Options()
        {
            TargetInformation = AnomalyDefaults.TargetInformation;
        }

        /// <summary>
        /// The expected fraction of anomalies among the training rows: the threshold behind <c>PredictedLabel</c> is the (1 − this)
        /// quantile of the training rows' scores. Must be within [0, 1). Default 0.1, as PyOD's detectors.
        /// </summary>
        public double Contamination { get; set; } = AnomalyDefaults.Contamination;

        internal void ValidateAnomalyOptions()
        {
            if (!(Contamination >= 0 && Contamination < 1))
                throw new ArgumentOutOfRangeException(nameof(Contamination), Contamination, string.Create(CultureInfo.InvariantCulture, $"{nameof(Contamination)} must be within [0, 1); got {Contamination}."));
            foreach (var (name, set) in new[] { (nameof(LogVarianceColumnName), LogVarianceColumnName is not null), (nameof(ImputeMissingValues), ImputeMissingValues), (nameof(ImputationDraws), ImputationDraws != 0), (nameof(ScoreColumnName), ScoreColumnName is not null) })
            {
                if (set)
                    throw new ArgumentException($"{nameof(Options)}.{name} belongs to the MutualAutoencode transform; the anomaly detector outputs only Score and PredictedLabel. Leave it unset.", name);
            }
        }
    }

    internal static class AnomalyDefaults
    {
        public const double Contamination = 0.1;

        /// <summary>M for ranking: measured on the ODDS tables (bench/Mae.Benchmarks anomaly-odds).</summary>
        public const double TargetInformation = 4;
    }
}

/// <summary>Adds the anomaly step's scalar columns to a schema shape without touching data.</summary>
internal static class AnomalyColumns
{
    public static SchemaShape Add(TransformsCatalog catalog, SchemaShape inputSchema, string scoreColumnName, string predictedLabelColumnName)
    {
        var definition = SchemaDefinition.Create(typeof(Outputs));
        definition[nameof(Outputs.Score)].ColumnName = scoreColumnName;
        definition[nameof(Outputs.PredictedLabel)].ColumnName = predictedLabelColumnName;
        return catalog.CustomMapping<CodeColumns.NoInput, Outputs>(static (_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
    }

    internal sealed class Outputs
    {
        public float Score;

        public bool PredictedLabel;
    }
}
