using System.Globalization;
using ScottPlot;

/// <summary>Draws test accuracy against the target information M with ScottPlot.</summary>
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
    /// One panel per downstream learner: its test accuracy on MAE features against M, and on raw pixels, PCA and VAE
    /// features as horizontal lines (values in the legend). The panels share the accuracy axis. A last panel shows the
    /// information I_q that the MAE's code holds about the test images against M, beside the line I_q = M and the VAE's I_q.
    /// </summary>
    public static void Save(IReadOnlyList<Result> results, string path)
    {
        var learners = results.Select(result => result.Learner).Distinct().ToList();
        double[] targets = results.Where(r => r.Features == "MAE").Select(r => r.Target!.Value).Distinct().Order().ToArray();
        double low = results.Min(r => r.MicroAccuracy), high = results.Max(r => r.MicroAccuracy);
        double right = targets.Max() * 1.06;
        var palette = new ScottPlot.Palettes.Category10();
        (string Features, Color Color, LinePattern Pattern)[] references =
        [
            ("raw pixels", Colors.Black, LinePattern.Dotted),
            ("PCA", palette.GetColor(2), LinePattern.Dashed),
            ("VAE", palette.GetColor(3), LinePattern.Dashed),
        ];

        var figure = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        figure.AddPlots(learners.Count + 1); // one panel per learner, and the information panel (AddPlots sets the total)
        foreach (var (learner, plot) in learners.Zip(figure.GetPlots()))
        {
            foreach (var (features, color, pattern) in references)
            {
                var reference = results.FirstOrDefault(r => r.Learner == learner && r.Features == features);
                if (reference is null)
                    continue;
                var level = plot.Add.HorizontalLine(reference.MicroAccuracy, width: 2, color: color, pattern: pattern);
                string name = features == "VAE" && reference.InformationBound is double bound
                    ? string.Create(CultureInfo.InvariantCulture, $"VAE (Î_p = {bound:F1} nats)")
                    : features == "PCA" ? "PCA (16 components)" : features;
                level.LegendText = string.Create(CultureInfo.InvariantCulture, $"{name}: {reference.MicroAccuracy:F3}");
            }

            var mae = results.Where(r => r.Learner == learner && r.Features == "MAE").OrderBy(r => r.Target).ToList();
            var line = plot.Add.Scatter(mae.Select(r => r.Target!.Value).ToArray(), mae.Select(r => r.MicroAccuracy).ToArray(), palette.GetColor(0));
            line.LineWidth = 2.5f;
            line.MarkerSize = 9;
            line.LegendText = "MAE features (d = 16)";
            foreach (var result in mae)
            {
                var label = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{result.MicroAccuracy:F3}"), result.Target!.Value, result.MicroAccuracy);
                label.Alignment = Alignment.LowerCenter;
                label.OffsetY = -8;
                label.LabelFontSize = 13;
                label.LabelFontColor = palette.GetColor(0);
                label.LabelBackgroundColor = Colors.White.WithAlpha(0.8); // legible over the reference lines, drawn first
            }

            plot.Title($"Fashion-MNIST, {learner}", size: 16);
            plot.XLabel("target information M of the MAE (nats)");
            plot.YLabel("test accuracy (10,000 images)");
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                targets, targets.Select(t => t.ToString("0.##", CultureInfo.InvariantCulture)).ToArray());
            plot.Axes.SetLimits(0, right, low - 0.02, Math.Min(1, high + 0.02));
            plot.ShowLegend(Edge.Bottom);
        }
        InformationPanel(figure.GetPlots()[^1], results, targets, right, palette);
        figure.SavePng(path, 2000, 560);
        foreach (var plot in figure.GetPlots())
            plot.Dispose();
    }

    private static void InformationPanel(Plot plot, IReadOnlyList<Result> results, double[] targets, double right, ScottPlot.Palettes.Category10 palette)
    {
        var learner = results[0].Learner; // the information figures are the featurizer's, the same for every learner
        var mae = results.Where(r => r.Learner == learner && r.Features == "MAE" && r.HeldOut is not null).OrderBy(r => r.Target).ToList();
        var identity = plot.Add.Line(0, 0, right, right);
        identity.LineColor = Colors.Gray;
        identity.LinePattern = LinePattern.Dotted;
        identity.LegendText = "I_q = M";
        if (results.FirstOrDefault(r => r.Features == "VAE" && r.HeldOut is not null) is { } vae)
        {
            var level = plot.Add.HorizontalLine(vae.HeldOut!.AggregatePosteriorInformation, width: 2, color: palette.GetColor(3), pattern: LinePattern.Dashed);
            level.LegendText = string.Create(CultureInfo.InvariantCulture, $"VAE: {vae.HeldOut.AggregatePosteriorInformation:F2}");
        }
        var line = plot.Add.Scatter(mae.Select(r => r.Target!.Value).ToArray(), mae.Select(r => r.HeldOut!.AggregatePosteriorInformation).ToArray(), palette.GetColor(0));
        line.LineWidth = 2.5f;
        line.MarkerSize = 9;
        line.LegendText = "MAE code";
        double cap = mae.Select(r => r.HeldOut!.InformationCap).DefaultIfEmpty(Math.Log(10_000)).First();
        var ceiling = plot.Add.HorizontalLine(cap, width: 1, color: Colors.Black, pattern: LinePattern.Dotted);
        ceiling.LegendText = string.Create(CultureInfo.InvariantCulture, $"estimator cap ln N = {cap:F2}");
        plot.Title("Information in the code, test images", size: 16);
        plot.XLabel("target information M of the MAE (nats)");
        plot.YLabel("I_q on 10,000 test images (nats)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            targets, targets.Select(t => t.ToString("0.##", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(0, right, 0, cap + 0.5);
        plot.ShowLegend(Edge.Bottom);
    }
}
