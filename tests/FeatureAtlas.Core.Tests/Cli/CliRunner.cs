using FeatureAtlas.Cli;
using Spectre.Console;

namespace FeatureAtlas.Core.Tests.Cli;

/// <summary>
/// Runs <see cref="AtlasCli.Run"/> in-process and captures what it prints: Console.Out and Console.Error via
/// SetOut/SetError, Spectre.Console's static console (which otherwise keeps the writer it first saw), and bytes
/// written straight to file descriptor 1 through Console.OpenStandardOutput (how <c>run --json</c> writes today),
/// which Console.SetOut cannot see.
/// </summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError, previousAnsi) = (Console.Out, Console.Error, AnsiConsole.Console);
        Console.SetOut(output);
        Console.SetError(error);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        int exitCode;
        string raw;
        try
        {
            (exitCode, raw) = StandardOutputCapture.Capture(() => AtlasCli.Run(args));
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            AnsiConsole.Console = previousAnsi;
        }
        return new CliResult(exitCode, output.ToString() + raw, error.ToString());
    }
}
