namespace FeatureAtlas.Cli.Commands;

/// <summary>A malformed option value found after parsing (exit code 2, like a parse error).</summary>
public sealed class UsageException(string message) : Exception(message);
