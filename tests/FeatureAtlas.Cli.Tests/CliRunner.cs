namespace FeatureAtlas.Cli.Tests;

/// <summary>
/// Runs <see cref="AtlasCli.Run(string[])"/> in-process and captures what it prints (AtlasCli binds Spectre.Console to
/// the current Console.Out on each run). Callers must not run beside other tests that print (see <see cref="CliCollection"/>).
/// </summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args) => ConsoleCapture.Run(AtlasCli.Run, args);
}
