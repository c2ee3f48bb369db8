namespace FeatureAtlas.Cli.Tests;

/// <summary>
/// The CLI tests swap the process's console (Console.SetOut/SetError, and file descriptor 1), so they run in
/// one collection that never runs beside another test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "atlas CLI (console redirected)";
}
