using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Cli;

/// <summary>
/// <c>atlas generate</c> and <c>atlas steer</c>: the --json contract end to end against the PyTorch goldens of
/// tests/reference/make_steer_golden.py, the pairing of repeatable steering options, seeded sampling across thread
/// counts, and the exit codes of <c>atlas run</c> (2 bad usage, 1 bad input) with one error line.
/// </summary>
[Collection(CliCollection.Name)]
public class SteerCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int BadInput = 1;
    private const int Usage = 2;
    private static readonly JsonObject Goldens = (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("steer_golden.json")))!;

    private string Prompt => string.Join(',', Goldens["prompt"]!.AsArray().Select(t => (int)t!));

    private static JsonNode Case(string name) => Goldens["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;

    private static int[] Ids(JsonNode? array) => array!.AsArray().Select(t => (int)t!).ToArray();

    [Fact]
    public void Generate_Json_MatchesPyTorchGreedyTokens()
    {
        var result = CliRunner.Run("generate", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal(Ids(Goldens["prompt"]), Ids(json["prompt_tokens"]));
        Assert.Equal(Ids(Case("default")["tokens"]), Ids(json["tokens"]));
        var logprobs = json["logprobs"]!.AsArray();
        Assert.Equal(32, logprobs.Count);
        Assert.Equal((int)json["tokens"]![0]!, (int)logprobs[0]!["token"]!);
        Assert.Equal(5, logprobs[0]!["top"]!.AsArray().Count);
        Assert.True(Math.Abs((double)Case("default")["logprobs"]![0]! - (double)logprobs[0]!["logprob"]!) < 1e-4);
        Assert.False(string.IsNullOrEmpty((string?)json["text"]));
    }

    [Fact]
    public void Steer_TwoSaesAdditive_JsonMatchesPyTorch()
    {
        var golden = Case("additive");
        var v = golden["vectors"]!.AsArray();
        var result = CliRunner.Run("steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt,
            "--sae", fixture.Checkpoint.SaeDirectory((string)v[0]!["sae"]!), "--feature", $"{(int)v[0]!["feature"]!}", "--strength", Number(v[0]!["strength"]),
            "--sae", fixture.Checkpoint.SaeDirectory((string)v[1]!["sae"]!), "--feature", $"{(int)v[1]!["feature"]!}", "--strength", Number(v[1]!["strength"]),
            "--multiplier", Number(Goldens["multiplier"]), "--method", "additive", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal(Ids(Case("default")["tokens"]), Ids(json["default"]!["tokens"]));
        Assert.Equal(Ids(golden["tokens"]), Ids(json["steered"]!["tokens"]));
        Assert.Equal(32, json["steered"]!["logprobs"]!.AsArray().Count);
    }

    [Fact]
    public void Steer_CustomVectorOnGeneratedPositions_JsonMatchesPyTorch()
    {
        using var folder = new TemporaryDirectory();
        var vectorPath = folder.Combine("v.npy");
        var direction = Goldens["custom_vector"]!.AsArray().Select(x => (float)(double)x! * 3f).ToArray();   // the CLI rescales to unit norm
        NpyFile.Write(vectorPath, direction, direction.Length, 1);
        var golden = Case("vector_generated");

        var result = CliRunner.Run("steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt,
            "--vector", vectorPath, "--hook", (string)golden["vectors"]![0]!["hook"]!, "--strength", Number(golden["vectors"]![0]!["strength"]),
            "--multiplier", Number(Goldens["multiplier"]), "--positions", "generated", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Ids(golden["tokens"]), Ids(JsonNode.Parse(result.StandardOutput)!["steered"]!["tokens"]));
    }

    [Fact]
    public void Steer_Clamp_JsonMatchesPyTorch()
    {
        var golden = Case("clamp");
        var v = golden["vectors"]!.AsArray();
        var result = CliRunner.Run("steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt,
            "--sae", fixture.Checkpoint.SaeDirectory((string)v[0]!["sae"]!), "--feature", $"{(int)v[0]!["feature"]!}", "--strength", Number(v[0]!["strength"]),
            "--sae", fixture.Checkpoint.SaeDirectory((string)v[1]!["sae"]!), "--feature", $"{(int)v[1]!["feature"]!}", "--strength", Number(v[1]!["strength"]),
            "--multiplier", Number(Goldens["multiplier"]), "--method", "clamp", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Ids(golden["tokens"]), Ids(JsonNode.Parse(result.StandardOutput)!["steered"]!["tokens"]));
    }

    [Theory]
    [InlineData("--feature|3|--strength|1", "--sae")]
    [InlineData("--sae|SAE|--feature|3", "--strength")]
    [InlineData("--sae|SAE|--feature|3|--strength|1|--method|boost", "--method")]
    [InlineData("--sae|SAE|--feature|3|--strength|1|--positions|middle", "--positions")]
    [InlineData("--vector|x.npy|--strength|1", "--hook")]
    [InlineData("", "steering term")]
    public void Steer_BadUsage_ExitsTwoWithOneErrorLine(string extra, string mentioned)
    {
        var sae = fixture.Checkpoint.SaeDirectory("standard-resid-pre-1");
        string[] args = ["steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt, .. extra.Replace("SAE", sae).Split('|', StringSplitOptions.RemoveEmptyEntries)];
        AssertError(CliRunner.Run(args), Usage, mentioned);
    }

    [Theory]
    [InlineData("--feature|200|--strength|1", "Feature 200 does not exist in SAE 'standard-resid-pre-1', which has 200 features (0..199)")]
    [InlineData("--feature|3|--strength|NaN", "--strength must be a finite number")]
    [InlineData("--feature|3|--strength|1|--n-tokens|0", "n_tokens must be between 1 and 59")]
    [InlineData("--feature|3|--strength|1|--n-tokens|60", "n_tokens must be between 1 and 59")]
    public void Steer_BadInput_ExitsOneNamingTheProblem(string extra, string mentioned)
    {
        string[] args = ["steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt, "--sae", fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"),
            .. extra.Split('|')];
        AssertError(CliRunner.Run(args), BadInput, mentioned);
    }

    [Fact]
    public void Steer_VectorOfWrongLength_ExitsOneNamingDModel()
    {
        using var folder = new TemporaryDirectory();
        var path = folder.Combine("short.npy");
        NpyFile.Write(path, new float[95], 95, 1);
        var result = CliRunner.Run("steer", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt,
            "--vector", path, "--hook", "blocks.0.hook_resid_pre", "--strength", "1");
        AssertError(result, BadInput, "blocks.0.hook_resid_pre expects d_model = 96");
    }

    [Fact]
    public void Steer_UnknownModelName_ExitsOneWithoutCreatingAStore()
    {
        using var folder = new TemporaryDirectory();
        var db = folder.Combine("atlas.db");
        var result = CliRunner.Run("steer", "--model", "no-such-model", "--token-ids", Prompt, "--sae", "x", "--feature", "1", "--strength", "1", "--db", db);
        AssertError(result, BadInput, "--model: 'no-such-model' is not a folder");
        Assert.False(File.Exists(db));
    }

    [Fact]
    public async Task Generate_SampledOnOneAndTwoCores_SameJson()
    {
        var one = await RunProcessAsync(1);
        var two = await RunProcessAsync(2);
        var again = await RunProcessAsync(2);
        Assert.Equal(one, two);
        Assert.Equal(two, again);
        Assert.Equal(40, JsonNode.Parse(one)!["tokens"]!.AsArray().Count);
    }

    /// <summary>A sampled generation in a child process whose runtime sees <paramref name="processors"/> cores (the kernels' thread count).</summary>
    private async Task<string> RunProcessAsync(int processors)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_PROCESSOR_COUNT"] = $"{processors}";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "atlas.dll"));
        foreach (var arg in new[] { "generate", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", Prompt, "--n-tokens", "40", "--temperature", "1",
            "--top-p", "0.95", "--freq-penalty", "0.5", "--seed", "99", "--json" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await error} {output}");
        return output;
    }

    private static string Number(JsonNode? node) => ((double)node!).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AssertError(CliResult result, int exitCode, string mentioned)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Equal("", result.StandardOutput);
        var lines = result.ErrorLines;
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error:", lines[0]);
        Assert.Contains(mentioned, lines[0]);
        Assert.DoesNotContain("   at ", result.StandardError);
    }
}
