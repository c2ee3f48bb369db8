namespace FeatureAtlas.TestSupport;

/// <summary>
/// Runs a command-line entry point in-process and captures what it prints on Console.Out and Console.Error. The
/// console is the process's, so callers must not run beside other tests that print (a non-parallel collection).
/// </summary>
public static class ConsoleCapture
{
    public static CliResult Run(Func<string[], int> entryPoint, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = entryPoint(args);
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
