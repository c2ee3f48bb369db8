
namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// The exit codes <c>atlas run</c> documents (2 bad usage, 1 bad input) and the error a user sees: one line
/// starting "error:", naming what is wrong, with no stack trace and nothing on stdout.
/// </summary>
[Collection(CliCollection.Name)]
public class RunCommandErrorTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int BadInput = 1;
    private const int Usage = 2;
    private const string UsageHint = "Run 'atlas --help' for usage.";

    [Theory]
    [InlineData("--token-ids|1|--frobnicate", "--frobnicate")]
    [InlineData("", "--token-ids")]
    [InlineData("--token-ids|1|--text|Hello", "--token-ids")]
    [InlineData("--token-ids|1,x", "'x'")]
    [InlineData("--token-ids|1|--processing|folded", "--processing")]
    public void Run_BadUsage_ExitsTwoWithOneErrorLine(string extraArgs, string mentioned)
    {
        string[] args = ["run", "--model", fixture.Checkpoint.ModelDirectory, .. extraArgs.Split('|', StringSplitOptions.RemoveEmptyEntries)];
        AssertError(CliRunner.Run(args), Usage, mentioned);
    }

    [Fact]
    public void Run_MissingModelFolder_ExitsOneNamingTheFolder()
    {
        using var temp = new TemporaryDirectory();
        var missing = temp.Combine("no-such-model");
        AssertError(CliRunner.Run("run", "--model", missing, "--token-ids", "1,2"), BadInput, missing);
    }

    [Fact]
    public void Run_TokenIdOutsideVocabulary_ExitsOneNamingTheId()
    {
        AssertError(CliRunner.Run("run", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", "50256,99999"), BadInput, "99999");
    }

    [Fact]
    public void Run_SaeOfAnotherWidth_ExitsOneNamingTheSae()
    {
        using var temp = new TemporaryDirectory();
        var narrowModel = temp.Combine("narrow-model");
        var narrowSae = temp.Combine("narrow-sae");
        Assert.Equal(0, CliRunner.Run("init-model", "--out", narrowModel, "--layers", "2", "--d-model", "64", "--heads", "4", "--vocab", "1000", "--ctx", "32").ExitCode);
        Assert.Equal(0, CliRunner.Run("init-sae", "--model", narrowModel, "--hook", "blocks.1.hook_resid_pre", "--d-sae", "16", "--out", narrowSae).ExitCode);

        // The tiny model's blocks.1.hook_resid_pre is 96 wide; this SAE reads 64.
        var result = CliRunner.Run("run", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", "1,2", "--sae", narrowSae);
        AssertError(result, BadInput, "narrow-sae");
        Assert.Contains("64", result.StandardError);
        Assert.Contains("96", result.StandardError);
    }

    [Fact]
    public void Run_TruncatedModelFile_ExitsOneNamingTheFile()
    {
        using var temp = new TemporaryDirectory();
        var model = temp.CopyFolder(fixture.Checkpoint.ModelDirectory, "truncated-model");
        var weights = Path.Combine(model, "model.safetensors");
        using (var stream = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite)) stream.SetLength(stream.Length / 2);

        AssertError(CliRunner.Run("run", "--model", model, "--token-ids", "1,2"), BadInput, "model.safetensors");
    }

    [Theory]
    // Issue 14: these failed with System.Text.Json's ".NET number values such as positive and negative infinity…".
    [InlineData("--hook|blocks.1.hook_resid_pre|--hook|blocks.0.hook_mlp_out", "blocks.0.hook_mlp_out is")]   // the first in forward order
    [InlineData("--sae|SAE", "blocks.1.hook_resid_pre is")]   // the SAE's input, before its activations
    [InlineData("", "logits_last is")]
    public void RunJson_ModelThatOverflows_ExitsOneNamingTheNonFiniteTensor(string extraArgs, string mentioned)
    {
        using var temp = new TemporaryDirectory();
        var model = OverflowingModel.Write(fixture.Checkpoint.ModelDirectory, temp.Combine("overflowing"));
        var extra = extraArgs.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(a => a == "SAE" ? fixture.Checkpoint.SaeDirectory("standard-resid-pre-1") : a);
        string[] args = ["run", "--model", model, "--token-ids", "50256,1,2,3", "--json", .. extra];

        var result = CliRunner.Run(args);

        AssertError(result, BadInput, "Non-finite activations: " + mentioned);
    }

    private static void AssertError(CliResult result, int exitCode, string mentioned)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.Equal("", result.StandardOutput.Trim());
        var lines = result.ErrorLines;
        Assert.NotEmpty(lines);
        Assert.StartsWith("error:", lines[0]);
        Assert.Contains(mentioned, lines[0]);
        // One error line; parse errors (exit 2) may add the help hint after it, and nothing else.
        var rest = lines.Skip(1).ToArray();
        Assert.True(rest.Length == 0 || (exitCode == Usage && rest is [UsageHint]), $"stderr should be one error line: {result.StandardError}");
    }
}
