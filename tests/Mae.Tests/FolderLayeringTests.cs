using System.Text.RegularExpressions;

namespace Mae.Tests;

/// <summary>
/// The folders of src/Mae.MLNet depend one way: Vocabulary (public enums and result types) ← Data (training data) ← Modeling
/// (networks, decoder families, column blocks) ← Training (the step, diagnostics, scoring) and Export (descriptions for ONNX) ←
/// the public API in the root ← MLNet (the ML.NET step). Read from the sources: a file may name only types declared in its own
/// folder or in a folder below it.
/// </summary>
public sealed partial class FolderLayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Vocabulary"] = [],
        ["Data"] = ["Vocabulary"],
        ["Modeling"] = ["Vocabulary", "Data"],
        ["Training"] = ["Vocabulary", "Data", "Modeling"],
        ["Export"] = ["Vocabulary", "Data", "Modeling"],
        ["(root)"] = ["Vocabulary", "Data", "Modeling", "Training", "Export"],
        ["MLNet"] = ["Vocabulary", "Data", "Modeling", "Training", "Export", "(root)"],
    };

    [Fact]
    public void EachFolderNamesOnlyTypesOfItselfAndTheFoldersBelowIt()
    {
        string source = Path.Combine(RepositoryRoot(), "src", "Mae.MLNet");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Folder: Folder(source, f), Name: Path.GetFileName(f), Text: WithoutCommentsAndStrings(File.ReadAllText(f))))
            .ToArray();
        Assert.All(files, f => Assert.True(Allowed.ContainsKey(f.Folder), $"{f.Name} is in folder '{f.Folder}', which has no layer."));

        // The folder that declares each type name (names declared in two folders are ambiguous and left out).
        var owners = files
            .SelectMany(f => Declaration().Matches(f.Text).Select(m => (Type: m.Groups[1].Value, f.Folder)))
            .Distinct()
            .GroupBy(d => d.Type)
            .Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single().Folder);
        Assert.True(owners.Count > 50, $"Only {owners.Count} declarations found; the scan is broken.");

        var violations = files
            .SelectMany(f => Identifier().Matches(f.Text).Select(m => m.Value).Distinct()
                .Where(t => owners.TryGetValue(t, out var owner) && owner != f.Folder && !Allowed[f.Folder].Contains(owner))
                .Select(t => $"{f.Folder}/{f.Name} names {t} ({owners[t]})"))
            .ToArray();
        Assert.True(violations.Length == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheScanSeesAnUpwardReference()
    {
        // The same rule on a made-up file: Modeling naming the root's options is a violation.
        string text = WithoutCommentsAndStrings("internal sealed class X { MutualAutoencoderOptions o; // TrainingStep\n string s = \"TrainingStep\"; }");
        Assert.Contains("MutualAutoencoderOptions", Identifier().Matches(text).Select(m => m.Value));
        Assert.DoesNotContain("TrainingStep", Identifier().Matches(text).Select(m => m.Value));
        Assert.DoesNotContain("(root)", Allowed["Modeling"]);
    }

    private static string Folder(string source, string file)
    {
        string[] parts = Path.GetRelativePath(source, file).Split(Path.DirectorySeparatorChar);
        return parts.Length > 1 ? parts[0] : "(root)";
    }

    private static string WithoutCommentsAndStrings(string text) =>
        StringLiteral().Replace(LineComment().Replace(text, string.Empty), "\"\"");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mae.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Mae.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\b(?:class|record|struct|enum|interface)\s+(?:struct\s+)?([A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"//.*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();
}
