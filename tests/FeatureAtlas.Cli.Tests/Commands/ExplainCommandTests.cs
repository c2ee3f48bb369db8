using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>atlas explain's documented exit codes: 2 for malformed options, 1 for input the store cannot serve.</summary>
[Collection(CliCollection.Name)]
public class ExplainCommandTests
{
    [Theory]
    [InlineData("--features", "9-3")]
    [InlineData("--features", "a-b")]
    [InlineData("--method", "gpt")]
    public void Explain_MalformedOption_ExitsWithUsage(string option, string value)
    {
        using var folder = new TemporaryDirectory();
        var result = CliRunner.Run("explain", "--model", "m", "--sae", "s", option, value, "--db", folder.Combine("atlas.db"));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Single(result.ErrorLines);
    }

    [Fact]
    public void Explain_LlmWithoutEndpoint_ExitsWithUsageNamingTheOption()
    {
        using var folder = new TemporaryDirectory();
        var previous = Environment.GetEnvironmentVariable("ATLAS_LLM_ENDPOINT");
        Environment.SetEnvironmentVariable("ATLAS_LLM_ENDPOINT", null);
        try
        {
            var result = CliRunner.Run("explain", "--model", "m", "--sae", "s", "--method", "llm", "--llm-model", "x", "--db", folder.Combine("atlas.db"));
            Assert.Equal(ExitCodes.Usage, result.ExitCode);
            Assert.Contains("--endpoint", result.StandardError);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ATLAS_LLM_ENDPOINT", previous);
        }
    }

    [Fact]
    public void Explain_UnknownSae_ExitsWithBadInputInOneLine()
    {
        using var folder = new TemporaryDirectory();
        var result = CliRunner.Run("explain", "--model", "m", "--sae", "s", "--db", folder.Combine("atlas.db"));
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("SAE 's' of model 'm'", result.StandardError);
    }
}
