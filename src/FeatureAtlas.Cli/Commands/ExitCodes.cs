namespace FeatureAtlas.Cli.Commands;

/// <summary>The documented exit codes of every atlas command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int Usage = 2;
}
