using FeatureAtlas.Cli;

namespace FeatureAtlas.Cli.Tests;

/// <summary>
/// Runs <see cref="AtlasCli.Run"/> in-process and captures what it prints on Console.Out and Console.Error
/// (AtlasCli binds Spectre.Console to the current Console.Out on each run). Callers must not run beside other
/// tests that print (see <see cref="CliCollection"/>).
/// </summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = AtlasCli.Run(args);
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
