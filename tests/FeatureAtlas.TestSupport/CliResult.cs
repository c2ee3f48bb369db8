namespace FeatureAtlas.TestSupport;

/// <summary>What one in-process command-line invocation (<c>atlas</c>, the bench tool) returned and printed.</summary>
public readonly record struct CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}; stderr: {StandardError.Trim()}; stdout: {Truncate(StandardOutput)}";

    private static string Truncate(string text) => text.Length <= 400 ? text.Trim() : text[..400] + "…";
}
