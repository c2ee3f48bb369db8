using System.CommandLine;
using FeatureAtlas.Cli.Commands;
using Spectre.Console;

namespace FeatureAtlas.Cli;

/// <summary>
/// The <c>atlas</c> command. Exit codes: 0 success, 1 bad input (a file, model or value that cannot be used),
/// 2 bad usage (unknown or missing options); errors are one line on stderr, never a stack trace.
/// </summary>
public static class AtlasCli
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FeatureAtlas: run GPT-2 and sparse autoencoders, and explore their features.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(SteerCommand.Create());
        root.Subcommands.Add(LensCommand.Create());
        root.Subcommands.Add(AttentionCommand.Create());
        root.Subcommands.Add(AttributeCommand.Create());
        root.Subcommands.Add(PatchCommand.Create());
        root.Subcommands.Add(AblateCommand.Create());
        root.Subcommands.Add(InitModelCommand.Create());
        root.Subcommands.Add(InitSaeCommand.Create());
        root.Subcommands.Add(SaeCommand.Create());
        root.Subcommands.Add(CorpusCommand.Create());
        root.Subcommands.Add(DashboardsCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(UsersCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(SeedSyntheticCommand.Create());
        root.Subcommands.Add(UmapCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(TrainSaeCommand.Create());
        root.Subcommands.Add(TrainLmCommand.Create());
        root.Subcommands.Add(TrainLensCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(GraphCommand.Create());
        root.Subcommands.Add(EvalTranscodersCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        return root;
    }

    public static int Run(string[] args) => Run(BuildRoot(), args, "atlas");

    /// <summary>Runs <paramref name="root"/> as <c>atlas</c> runs: the same exit codes and one-line errors (the bench tool uses it).</summary>
    internal static int Run(RootCommand root, string[] args, string program)
    {
        // Spectre keeps the Console.Out it first saw; bind it to the current one so redirection works.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        // Without a terminal Spectre assumes 80 columns and hard-wraps longer lines (paths, names) mid-word; a log's
        // reader wraps them better.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var messages = string.Join("; ", parse.Errors.Select(e => e.Message));
            Console.Error.WriteLine($"error: {OneLine(messages)} (run '{program} --help' for usage)");
            return ExitCodes.Usage;
        }
        try
        {
            // No termination handler of System.CommandLine's: it would return 130 the moment Ctrl+C arrives,
            // without waiting for a job to checkpoint. Long jobs register their own (StopSignal); others just end.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException or KeyNotFoundException or FeatureAtlas.Core.Explain.Llm.LlmException or FeatureAtlas.Core.Tensors.NonFiniteValuesException)
        {
            Console.Error.WriteLine($"error: {OneLine(Describe(e))}");
            return ExitCodes.BadInput;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    // ArgumentException appends " (Parameter 'x')", which names our code, not the user's input.
    private static string Describe(Exception e) => e is ArgumentException { ParamName: { } name } argument
        ? argument.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
        : e.Message;
}
