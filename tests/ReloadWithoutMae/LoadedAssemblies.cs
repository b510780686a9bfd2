namespace ReloadWithoutMae;

/// <summary>The check both forms of the program end with: no Mae or TorchSharp assembly was loaded to score.</summary>
internal static class LoadedAssemblies
{
    /// <summary>Prints the Mae or TorchSharp assemblies in the process ("none" when there are none) and returns the exit code: 0 for none, 1 otherwise.</summary>
    public static int ReportForeign()
    {
        var foreign = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetName().Name ?? "")
            .Where(name => name.StartsWith("Mae", StringComparison.OrdinalIgnoreCase) || name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        Console.WriteLine($"Mae or TorchSharp assemblies loaded: {(foreign.Length == 0 ? "none" : string.Join(", ", foreign))}");
        return foreign.Length == 0 ? 0 : 1;
    }
}
