using System.Globalization;
using Mae;
using ScottPlot;

/// <summary>Draws test accuracy, the code's information and log p(x) against the target information M with ScottPlot.</summary>
static class AccuracyFigure
{
    private const string FontName = "DejaVu Sans";
    private const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>
    /// Draws all text with DejaVu Sans from its file: on a Linux machine without fonts Skia would silently draw no text.
    /// Elsewhere, when the file is absent, ScottPlot's default font is kept.
    /// </summary>
    /// <exception cref="FileNotFoundException">On Linux, the font file is missing; the message names the package to install.</exception>
    public static void UseDejaVuSans()
    {
        if (File.Exists(FontFile))
        {
            Fonts.AddFontFile(FontName, FontFile, bold: false, italic: false);
            Fonts.Default = FontName;
            Fonts.Sans = FontName;
        }
        else if (OperatingSystem.IsLinux())
        {
            throw new FileNotFoundException(
                $"The font file {FontFile} is missing, so the figure would have no text. Install it with: apt-get install fonts-dejavu-core", FontFile);
        }
    }

    /// <summary>
    /// One panel per downstream learner: its test accuracy against M for the featurizers fitted at a target (the MAE, and free bits
    /// or the capacity baseline), and for the others (raw pixels, PCA, VAE, KL annealing) as horizontal lines (values in the legend).
    /// The panels share the accuracy axis. Then a panel of the information I_q that each code holds about the test images, beside
    /// the line I_q = M, and, when it was estimated, one of log p(x). A colour is an objective; with several decoder families, the
    /// line pattern and marker tell the families apart.
    /// </summary>
    public static void Save(IReadOnlyList<Result> results, string path, string dataName)
    {
        var learners = results.Select(result => result.Learner).Distinct().ToList();
        var decoders = results.Where(r => r.Decoder is not null).Select(r => r.Decoder!.Value).Distinct().ToList();
        double[] targets = results.Where(r => r.Target is not null).Select(r => r.Target!.Value).Distinct().Order().ToArray();
        double low = results.Min(r => r.MicroAccuracy), high = results.Max(r => r.MicroAccuracy);
        var axis = new TargetAxis(targets);
        bool likelihood = results.Any(r => r.LogLikelihood is not null);

        var figure = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        int panels = learners.Count + 1 + (likelihood ? 1 : 0);
        figure.AddPlots(panels); // AddPlots sets the total
        var plots = figure.GetPlots();
        foreach (var (learner, plot) in learners.Zip(plots))
        {
            var mine = results.Where(r => r.Learner == learner).ToList();
            foreach (var level in Levels(mine, decoders))
            {
                var line = plot.Add.HorizontalLine(level.First.MicroAccuracy, width: 2, color: level.Style.Color, pattern: level.Style.LevelPattern);
                string name = level.First.Decoder is not null && decoders.Count == 1 && level.First.InformationBound is double bound
                    ? string.Create(CultureInfo.InvariantCulture, $"{level.Name} (Î_p = {bound:F1} nats)")
                    : level.First.Features == "PCA" ? "PCA (16 components)" : level.Name;
                line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{name}: {level.First.MicroAccuracy:F3}");
            }
            foreach (var series in Series(mine, decoders))
            {
                var line = AddSeries(plot, series, r => r.MicroAccuracy, $"{series.Name} features (d = 16)");
                if (series.First.Features != "MAE")
                    continue;
                foreach (var result in series.Results)
                {
                    var label = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{result.MicroAccuracy:F3}"), result.Target!.Value, result.MicroAccuracy);
                    // Above the points, or below them for every second decoder family, so that two close series keep legible labels.
                    label.Alignment = series.Style.LabelBelow ? Alignment.UpperCenter : Alignment.LowerCenter;
                    label.OffsetY = series.Style.LabelBelow ? 8 : -8;
                    label.LabelFontSize = 13;
                    label.LabelFontColor = series.Style.Color;
                    label.LabelBackgroundColor = Colors.White.WithAlpha(0.8); // legible over the reference lines, drawn first
                }
            }

            plot.Title($"{dataName}, {learner}", size: 16);
            plot.YLabel("test accuracy (10,000 images)");
            axis.Apply(plot, low - 0.02, Math.Min(1, high + 0.02));
            ShowLegend(plot, decoders);
        }

        // The information and likelihood figures are the featurizer's, the same for every learner.
        var featurizers = results.Where(r => r.Learner == learners[0]).ToList();
        InformationPanel(plots[learners.Count], featurizers, decoders, axis);
        if (likelihood)
            LikelihoodPanel(plots[learners.Count + 1], featurizers, decoders, axis);
        figure.SavePng(path, 667 * panels, decoders.Count > 1 ? 680 : 560);
        foreach (var plot in plots)
            plot.Dispose();
    }

    private static void InformationPanel(Plot plot, IReadOnlyList<Result> results, IReadOnlyList<DecoderFamily> decoders, TargetAxis axis)
    {
        var known = results.Where(r => r.HeldOut is not null).ToList();
        var identity = plot.Add.Line(0, 0, axis.Right, axis.Right);
        identity.LineColor = Colors.Gray;
        identity.LinePattern = LinePattern.Dotted;
        identity.LegendText = "I_q = M";
        foreach (var level in Levels(known, decoders))
        {
            var line = plot.Add.HorizontalLine(level.First.HeldOut!.AggregatePosteriorInformation, width: 2, color: level.Style.Color, pattern: level.Style.LevelPattern);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{level.Name}: {level.First.HeldOut.AggregatePosteriorInformation:F2}");
        }
        foreach (var series in Series(known, decoders))
            AddSeries(plot, series, r => r.HeldOut!.AggregatePosteriorInformation, $"{series.Name} code");
        double cap = known.Select(r => r.HeldOut!.InformationCap).DefaultIfEmpty(Math.Log(10_000)).First();
        var ceiling = plot.Add.HorizontalLine(cap, width: 1, color: Colors.Black, pattern: LinePattern.Dotted);
        ceiling.LegendText = string.Create(CultureInfo.InvariantCulture, $"estimator cap ln N = {cap:F2}");
        plot.Title("Information in the code, test images", size: 16);
        plot.YLabel("I_q on 10,000 test images (nats)");
        axis.Apply(plot, 0, cap + 0.5);
        ShowLegend(plot, decoders);
    }

    private static void LikelihoodPanel(Plot plot, IReadOnlyList<Result> results, IReadOnlyList<DecoderFamily> decoders, TargetAxis axis)
    {
        var known = results.Where(r => r.LogLikelihood is not null).ToList();
        foreach (var level in Levels(known, decoders))
        {
            var line = plot.Add.HorizontalLine(level.First.LogLikelihood!.Value, width: 2, color: level.Style.Color, pattern: level.Style.LevelPattern);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{level.Name}: {level.First.LogLikelihood:F1}");
        }
        foreach (var series in Series(known, decoders))
            AddSeries(plot, series, r => r.LogLikelihood!.Value, series.Name);
        double low = known.Min(r => r.LogLikelihood!.Value), high = known.Max(r => r.LogLikelihood!.Value);
        double margin = Math.Max(1, 0.05 * (high - low));
        plot.Title("log p(x), test images (importance-sampled)", size: 16);
        plot.YLabel("log p(x) (nats per image)");
        axis.Apply(plot, low - margin, high + margin);
        ShowLegend(plot, decoders);
    }

    /// <summary>The legend below the panel, in a smaller font when several decoder families double its entries.</summary>
    private static void ShowLegend(Plot plot, IReadOnlyList<DecoderFamily> decoders)
    {
        if (decoders.Count > 1)
            plot.Legend.FontSize = 12;
        plot.ShowLegend(Edge.Bottom);
    }

    private static ScottPlot.Plottables.Scatter AddSeries(Plot plot, Group series, Func<Result, double> value, string legend)
    {
        var line = plot.Add.Scatter(series.Results.Select(r => r.Target!.Value).ToArray(), series.Results.Select(value).ToArray(), series.Style.Color);
        line.LineWidth = 2.5f;
        line.MarkerSize = 9;
        line.LinePattern = series.Style.SeriesPattern;
        line.MarkerShape = series.Style.Marker;
        line.LegendText = legend;
        return line;
    }

    /// <summary>The featurizers fitted once, without a target (raw pixels, PCA, VAE, KL annealing): one level each.</summary>
    private static IEnumerable<Group> Levels(IReadOnlyList<Result> results, IReadOnlyList<DecoderFamily> decoders) =>
        Groups(results.Where(r => r.Target is null), decoders);

    /// <summary>The featurizers fitted at targets M (the MAE, free bits, capacity): one series per objective and decoder, in order of M.</summary>
    private static IEnumerable<Group> Series(IReadOnlyList<Result> results, IReadOnlyList<DecoderFamily> decoders) =>
        Groups(results.Where(r => r.Target is not null), decoders);

    private static IEnumerable<Group> Groups(IEnumerable<Result> results, IReadOnlyList<DecoderFamily> decoders) =>
        results.GroupBy(r => (r.Features, r.Decoder)).Select(group =>
        {
            var ordered = group.OrderBy(r => r.Target).ToList();
            var first = ordered[0];
            string name = first.Decoder is DecoderFamily decoder && decoders.Count > 1 ? $"{first.Features}, {DecoderNames.Short(decoder)}" : first.Features;
            return new Group(name, ordered, StyleOf(first, decoders));
        });

    /// <summary>A colour per objective (the MAE, PCA and VAE keep the colours of the single-decoder figure); patterns and markers per decoder family.</summary>
    private static Style StyleOf(Result result, IReadOnlyList<DecoderFamily> decoders)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var color = result.Features switch
        {
            "raw pixels" => Colors.Black,
            "MAE" => palette.GetColor(0),
            "KL annealing" => palette.GetColor(1),
            "PCA" => palette.GetColor(2),
            "VAE" => palette.GetColor(3),
            "free bits" => palette.GetColor(4),
            "capacity" => palette.GetColor(5),
            "beta-VAE" => palette.GetColor(6),
            _ => palette.GetColor(7),
        };
        if (result.Decoder is not DecoderFamily decoder)
            return new Style(color, LinePattern.Solid, result.Features == "raw pixels" ? LinePattern.Dotted : LinePattern.Dashed, MarkerShape.FilledCircle, false);
        int index = Math.Max(0, decoders.ToList().IndexOf(decoder));
        LinePattern[] seriesPatterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.DenselyDashed, LinePattern.Dotted];
        LinePattern[] levelPatterns = [LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed, LinePattern.Solid];
        MarkerShape[] markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];
        return new Style(color, seriesPatterns[index % 4], levelPatterns[index % 4], markers[index % 4], index % 2 == 1);
    }

    private sealed record Style(Color Color, LinePattern SeriesPattern, LinePattern LevelPattern, MarkerShape Marker, bool LabelBelow);

    private sealed record Group(string Name, IReadOnlyList<Result> Results, Style Style)
    {
        public Result First => Results[0];
    }

    /// <summary>The shared x axis: the targets M as ticks, from 0 to a little past the largest (0 to 1 when no featurizer took one above 0).</summary>
    private sealed class TargetAxis(double[] targets)
    {
        public double Right { get; } = targets.Length > 0 && targets.Max() > 0 ? targets.Max() * 1.06 : 1;

        public void Apply(Plot plot, double bottom, double top)
        {
            plot.XLabel("target information M (nats)");
            if (targets.Length > 0)
            {
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                    targets, targets.Select(t => t.ToString("0.##", CultureInfo.InvariantCulture)).ToArray());
            }
            plot.Axes.SetLimits(0, Right, bottom, top);
        }
    }
}
