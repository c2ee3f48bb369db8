namespace FeatureAtlas.Cli.Commands;

/// <summary>The documented exit codes of every atlas command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C (128 + SIGINT); long jobs are checkpointed and resume when run again.</summary>
    public const int Cancelled = 130;
}
