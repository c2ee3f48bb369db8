namespace FeatureAtlas.Cli.Tests;

/// <summary>What one in-process <c>atlas</c> invocation returned and printed.</summary>
internal readonly record struct CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}; stderr: {StandardError.Trim()}; stdout: {Truncate(StandardOutput)}";

    private static string Truncate(string text) => text.Length <= 400 ? text.Trim() : text[..400] + "…";
}
