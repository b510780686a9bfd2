using System.Globalization;
using Mae;
using ScottPlot;
using ScottPlot.MultiplotLayouts;

/// <summary>Draws Figures 5 and 6 from trained models with ScottPlot.</summary>
static class Figures
{
    private const string FontName = "DejaVu Sans";
    private const string FontDirectory = "/usr/share/fonts/truetype/dejavu";
    private static readonly PixelPadding PanelPadding = new(left: 75, right: 20, bottom: 55, top: 40);

    /// <summary>
    /// Draws all text with DejaVu Sans, loaded from its file: on a Linux machine without fonts Skia would silently draw no text at all.
    /// (Elsewhere, when the file is absent, ScottPlot's default system font is kept.) Then renders a test plot to check that text really appears.
    /// </summary>
    /// <exception cref="FileNotFoundException">On Linux, the font file is missing; the message names the package to install.</exception>
    /// <exception cref="InvalidOperationException">The font loaded but text still does not render.</exception>
    public static void UseDejaVuSans()
    {
        string regular = Path.Combine(FontDirectory, "DejaVuSans.ttf"), bold = Path.Combine(FontDirectory, "DejaVuSans-Bold.ttf");
        if (File.Exists(regular))
        {
            Fonts.AddFontFile(FontName, regular, bold: false, italic: false);
            Fonts.AddFontFile(FontName, File.Exists(bold) ? bold : regular, bold: true, italic: false);
            Fonts.Default = FontName;
            Fonts.Sans = FontName;
        }
        else if (OperatingSystem.IsLinux())
        {
            throw new FileNotFoundException(
                $"The font file {regular} is missing, so the figures would have no text. Install it with: apt-get install fonts-dejavu-core", regular);
        }
        CheckTextRenders();
    }

    /// <summary>Renders one plot twice, with its title in black and in the background colour: if no pixel differs, no glyph was drawn.</summary>
    private static void CheckTextRenders()
    {
        var black = Render(Colors.Black);
        var invisible = Render(Colors.White);
        int titleRows = black.GetLength(0) / 4, differing = 0;
        for (int y = 0; y < titleRows; y++)
        {
            for (int x = 0; x < black.GetLength(1); x++)
            {
                if (black[y, x, 0] != invisible[y, x, 0] || black[y, x, 1] != invisible[y, x, 1] || black[y, x, 2] != invisible[y, x, 2])
                    differing++;
            }
        }
        if (differing < 50)
        {
            throw new InvalidOperationException(
                $"Text does not render: a plot title changed {differing} pixels in the title area. Check that {FontDirectory}/DejaVuSans.ttf (Debian package fonts-dejavu-core) is a valid font file.");
        }

        static byte[,,] Render(Color titleColor)
        {
            using var plot = new Plot();
            plot.FigureBackground.Color = Colors.White;
            plot.Title("Text check: x = 0 … 9, Î_p", size: 24);
            plot.Axes.Title.Label.ForeColor = titleColor;
            using var image = plot.GetImage(400, 240);
            return image.GetArrayRGB();
        }
    }

    /// <summary>Figure 5: one row per target M, the learnt p(x|z) for x = 0..9 stacked over z ∈ [−3, 3].</summary>
    public static void Categorical(IReadOnlyList<TrainedRun> runs, string path)
    {
        const int rowSpan = 4, headerSpan = 2;
        double[] z = Toys.Grid(-3, 3, 301);
        var palette = new ScottPlot.Palettes.Category10();
        var layout = new CustomGrid();
        var figure = new Multiplot { Layout = layout };
        int gridRows = headerSpan + rowSpan * runs.Count;

        var header = Header(
            "Figure 5: categorical x uniform on {0, …, 9}, code z ~ N(0, 1). Learnt p(x | z) stacked over z, one row per target information M",
            Enumerable.Range(0, Toys.Classes).Select(k => new LegendItem { LabelText = $"x = {k}", FillColor = palette.GetColor(k) }));
        figure.AddPlot(header);
        layout.Set(header, new GridCell(0, 0, gridRows, 1, headerSpan));

        foreach (var (trained, row) in runs.Select((trained, row) => (trained, row)))
        {
            var final = trained.Model.Report.Final;
            var output = trained.Model.Decode(z.Select(value => (float)value).ToArray());
            var probabilities = output.Probabilities!;
            var plot = Panel(string.Create(CultureInfo.InvariantCulture,
                $"M = {trained.Run.Options.TargetInformation:F2} nats: exact I_p(z, x) = {final.ExactInformation:F3}, bound Î_p = {final.InformationBound:F3}"));
            var lower = new double[z.Length];
            for (int k = 0; k < Toys.Classes; k++)
            {
                var upper = lower.Select((value, i) => value + probabilities[i * Toys.Classes + k]).ToArray();
                var band = plot.Add.FillY(z, upper, lower);
                band.FillColor = palette.GetColor(k);
                band.LineWidth = 0;

                // Name the class inside its band, where the band is tallest (away from the edges, where a label would be cut).
                int widest = Enumerable.Range(10, z.Length - 20).MaxBy(i => upper[i] - lower[i]);
                if (upper[widest] - lower[widest] > 0.12)
                {
                    var label = plot.Add.Text(k.ToString(CultureInfo.InvariantCulture), z[widest], (upper[widest] + lower[widest]) / 2);
                    label.Alignment = Alignment.MiddleCenter;
                    label.LabelFontSize = 15;
                    label.LabelBold = true;
                    label.LabelFontColor = Colors.White;
                }
                lower = upper;
            }
            plot.Axes.SetLimits(-3, 3, 0, 1);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.5);
            plot.XLabel("z");
            plot.YLabel("p(x | z)");
            figure.AddPlot(plot);
            layout.Set(plot, new GridCell(headerSpan + rowSpan * row, 0, gridRows, 1, rowSpan));
        }
        Save(figure, path, 1400, gridRows * 62);
    }

    /// <summary>
    /// Figure 6: per run, p(x|z_i)·p(z_i) over x for 15 codes z_i ∈ [−2.5, 2.5], the model marginal p(x) and the true N(0, 1).
    /// </summary>
    public static void SplittingTheNormal(IReadOnlyList<TrainedRun> runs, string path)
    {
        const int rowSpan = 5, codes = 15;
        double[] x = Toys.Grid(-4, 4, 401);
        double[] codeGrid = Toys.Grid(-2.5, 2.5, codes);
        double[] fineGrid = Toys.Grid(-6, 6, 1201); // for the marginal p(x) = ∫ p(x|z) p(z) dz
        var colormap = new ScottPlot.Colormaps.Viridis();
        Color CodeColor(int i) => colormap.GetColor(0.9 * i / (codes - 1)); // stop short of Viridis' pale yellow
        var marginalColor = Colors.Black;
        var truthColor = Colors.Red;

        var layout = new CustomGrid();
        var figure = new Multiplot { Layout = layout };
        int gridRows = 1 + rowSpan;
        var legend = new List<LegendItem>
        {
            new() { LabelText = "model p(x)", LineColor = marginalColor, LineWidth = 3 },
            new() { LabelText = "true N(0, 1)", LineColor = truthColor, LineWidth = 2, LinePattern = LinePattern.Dashed },
        };
        legend.AddRange(codeGrid.Select((code, i) => new LegendItem
        {
            LabelText = string.Create(CultureInfo.InvariantCulture, $"z = {code:+0.00;−0.00;0}"),
            LineColor = CodeColor(i),
            LineWidth = 3,
        }));
        var header = Header("Figure 6: splitting the normal. x ~ N(0, 1), Gaussian decoder; curves p(x | z_i) p(z_i) for codes z_i, and the model marginal p(x)", legend);
        figure.AddPlot(header);
        layout.Set(header, new GridCell(0, 0, gridRows, runs.Count, 1, runs.Count));

        var panels = new List<(Plot Plot, double Peak)>();
        foreach (var (trained, column) in runs.Select((trained, column) => (trained, column)))
        {
            var final = trained.Model.Report.Final;
            string name = trained.Run.Options.Objective == MutualAutoencoderObjective.MutualAutoencoder
                ? string.Create(CultureInfo.InvariantCulture, $"MAE, M = {trained.Run.Options.TargetInformation:F1}")
                : "VAE";
            var plot = Panel(string.Create(CultureInfo.InvariantCulture, $"{name}: exact I_p = {final.ExactInformation:F3} nats"));
            double peak = 0;

            var output = trained.Model.Decode(codeGrid.Select(value => (float)value).ToArray());
            for (int i = 0; i < codes; i++)
            {
                double mean = output.Mean![i], variance = Math.Exp(output.LogVariance![i]), prior = Toys.NormalDensity(codeGrid[i]);
                var y = x.Select(value => Toys.NormalDensity(value, mean, variance) * prior).ToArray();
                var curve = plot.Add.ScatterLine(x, y, CodeColor(i));
                curve.LineWidth = 2;
                peak = Math.Max(peak, y.Max());
            }

            // p(x) ≈ Σ_j w_j p(x | z_j) on a fine grid of codes, with w_j ∝ p(z_j).
            var fine = trained.Model.Decode(fineGrid.Select(value => (float)value).ToArray());
            double[] weights = fineGrid.Select(code => Toys.NormalDensity(code)).ToArray();
            double total = weights.Sum();
            var marginal = x.Select(value => Enumerable.Range(0, fineGrid.Length)
                .Sum(j => weights[j] / total * Toys.NormalDensity(value, fine.Mean![j], Math.Exp(fine.LogVariance![j])))).ToArray();
            var marginalLine = plot.Add.ScatterLine(x, marginal, marginalColor);
            marginalLine.LineWidth = 3;
            var truth = plot.Add.ScatterLine(x, x.Select(value => Toys.NormalDensity(value)).ToArray(), truthColor);
            truth.LineWidth = 2;
            truth.LinePattern = LinePattern.Dashed;
            peak = Math.Max(peak, marginal.Max());

            plot.XLabel("x");
            plot.YLabel("density");
            figure.AddPlot(plot);
            layout.Set(plot, new GridCell(1, column, gridRows, runs.Count, rowSpan));
            panels.Add((plot, peak));
        }
        double top = Math.Max(0.42, panels.Max(panel => panel.Peak)) * 1.05; // one scale for all panels
        foreach (var (plot, _) in panels)
            plot.Axes.SetLimits(-4, 4, 0, top);
        Save(figure, path, 440 * runs.Count, 640);
    }

    private static void Save(Multiplot figure, string path, int width, int height)
    {
        figure.SavePng(path, width, height);
        foreach (var plot in figure.GetPlots())
            plot.Dispose();
    }

    /// <summary>A panel with the same fixed margins as its neighbours, so that the data areas line up.</summary>
    private static Plot Panel(string title)
    {
        var plot = new Plot();
        plot.Title(title, size: 16);
        plot.Layout.Fixed(PanelPadding);
        return plot;
    }

    /// <summary>A strip with the figure's title and a horizontal legend shared by its panels.</summary>
    private static Plot Header(string title, IEnumerable<LegendItem> legend)
    {
        var plot = new Plot();
        plot.Title(title, size: 18);
        plot.Layout.Fixed(new PixelPadding(left: PanelPadding.Left, right: PanelPadding.Right, bottom: 0, top: 34));
        plot.HideAxesAndGrid();
        plot.Axes.Title.IsVisible = true;
        plot.Legend.ManualItems.AddRange(legend);
        plot.Legend.FontSize = 14;
        plot.Legend.OutlineWidth = 0;
        plot.Legend.ShadowColor = Colors.Transparent;
        plot.ShowLegend(Alignment.MiddleCenter, Orientation.Horizontal);
        return plot;
    }
}
