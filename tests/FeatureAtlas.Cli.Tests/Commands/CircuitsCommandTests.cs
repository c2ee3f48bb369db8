using System.Text.Json.Nodes;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas lens</c>, <c>atlas attribute</c> and <c>atlas patch</c>: the --json contracts of issue 17 end to end
/// against the PyTorch goldens of tests/reference/make_circuits_golden.py, TOKEN arguments, and the exit codes of
/// <c>atlas run</c> (2 bad usage, 1 bad input) with one error line.
/// </summary>
[Collection(CliCollection.Name)]
public class CircuitsCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int BadInput = 1;
    private const int Usage = 2;
    private static readonly JsonObject Goldens = (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("circuits_golden.json")))!;

    private static string IdList(JsonNode? ids) => string.Join(',', ids!.AsArray().Select(t => (int)t!));

    [Fact]
    public void Lens_TokenIdsJson_MatchesPyTorch()
    {
        var result = CliRunner.Run("lens", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", IdList(Goldens["token_ids"]), "--top", "5", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal("<|endoftext|>", (string?)json["tokens"]![0]);
        Assert.Equal(Goldens["token_ids"]!.AsArray().Count, json["tokens"]!.AsArray().Count);
        var layers = json["layers"]!.AsArray();
        var expected = Goldens["lens"]!["layers"]!.AsArray();
        Assert.Equal(expected.Count, layers.Count);
        for (var l = 0; l < layers.Count; l++)
        {
            Assert.Equal(l, (int)layers[l]!["layer"]!);
            var rows = layers[l]!["top"]!.AsArray();
            for (var t = 0; t < rows.Count; t++)
            {
                var got = rows[t]!.AsArray();
                var want = expected[l]!["top"]![t]!.AsArray();
                Assert.Equal(want.Select(e => (int)e!["token_id"]!), got.Select(e => (int)e!["token_id"]!));
                for (var i = 0; i < want.Count; i++)
                {
                    Assert.True(Math.Abs((double)want[i]!["prob"]! - (double)got[i]!["prob"]!) <= 1e-4 * (double)want[i]!["prob"]!, $"layer {l} position {t} #{i}");
                    Assert.False(string.IsNullOrEmpty((string?)got[i]!["token"]));
                }
            }
        }
    }

    [Fact]
    public void Lens_Prompt_PrependsBosAndGivesTopNPerPosition()
    {
        var result = CliRunner.Run("lens", "--model", fixture.Checkpoint.ModelDirectory, "--prompt", "Hello world", "--top", "2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal(["<|endoftext|>", "Hello", " world"], json["tokens"]!.AsArray().Select(t => (string)t!));
        Assert.All(json["layers"]!.AsArray(), layer => Assert.All(layer!["top"]!.AsArray(), row => Assert.Equal(2, row!.AsArray().Count)));
    }

    [Fact]
    public void Attribute_Json_MatchesPyTorchAndSumsToTheLogitDifference()
    {
        var golden = Goldens["attribute"]!;
        const string Sae = "hookz-1";
        var result = CliRunner.Run("attribute", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", IdList(Goldens["token_ids"]),
            "--target", " the", "--distractor", $"#{(int)golden["distractor"]!}", "--sae", fixture.Checkpoint.SaeDirectory(Sae), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal((int)golden["target"]!, (int)json["target"]!["token_id"]!);
        Close((double)golden["logit_diff"]!, (double)json["logit_diff"]!, "logit_diff");
        Assert.True((bool)json["sums_to_logit_diff"]!);
        var want = golden["components"]!.AsArray();
        var got = json["components"]!.AsArray();
        Assert.Equal(want.Select(c => (string)c!["name"]!), got.Select(c => (string)c!["name"]!));
        for (var i = 0; i < want.Count; i++) Close((double)want[i]!["value"]!, (double)got[i]!["value"]!, (string)want[i]!["name"]!);

        var features = golden["features"]!.AsArray().Where(f => (string)f!["sae"]! == Sae).ToArray();
        var gotFeatures = json["features"]!.AsArray();
        Assert.Equal(features.Select(f => (int)f!["index"]!), gotFeatures.Select(f => (int)f!["index"]!));
        Assert.All(gotFeatures, f => Assert.Equal(Sae, (string?)f!["sae"]));
        for (var i = 0; i < features.Length; i++)
        {
            foreach (var key in new[] { "activation", "direct", "act_times_grad" }) Close((double)features[i]![key]!, (double)gotFeatures[i]![key]!, $"{Sae} #{features[i]!["index"]} {key}");
        }
        var exact = got.Where(c => c!["exact_total"] is not null).Concat(gotFeatures.Where(f => f!["exact_total"] is not null)).Count();
        Assert.Equal(20, exact);
        Close((double)golden["sae_errors"]!.AsArray().Single(e => (string)e!["sae"]! == Sae)!["direct"]!, (double)json["sae_errors"]![0]!["direct"]!, "error direct");
    }

    [Fact]
    public void Attribute_TargetOfTwoTokens_FailsNamingThem()
    {
        var result = CliRunner.Run("attribute", "--model", fixture.Checkpoint.ModelDirectory, "--prompt", "The quick brown", "--target", " the cat", "--json");

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var line = Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("encodes to 2 tokens", line);
        Assert.Contains("' cat' #3797", line);
    }

    [Theory]
    [InlineData("--target", "#abc")]
    [InlineData("--prompt", null)]
    public void Attribute_BadUsage_ExitsTwo(string option, string? value)
    {
        string[] args = option == "--prompt"
            ? ["attribute", "--model", fixture.Checkpoint.ModelDirectory, "--target", "#1"]
            : ["attribute", "--model", fixture.Checkpoint.ModelDirectory, "--prompt", "Hi", option, value!];
        var result = CliRunner.Run(args);

        Assert.Equal(Usage, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Patch_Json_MatchesPyTorchGrids()
    {
        var golden = Goldens["patch"]!;
        var result = CliRunner.Run("patch", "--model", fixture.Checkpoint.ModelDirectory, "--clean-ids", IdList(golden["clean_ids"]),
            "--corrupted-ids", IdList(golden["corrupted_ids"]), "--target", $"#{(int)golden["target"]!}", "--distractor", ".", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal(golden["clean_ids"]!.AsArray().Count, json["tokens"]!.AsArray().Count);
        Close((double)golden["clean_metric"]!, (double)json["clean_metric"]!, "clean_metric");
        Close((double)golden["corrupted_metric"]!, (double)json["corrupted_metric"]!, "corrupted_metric");
        foreach (var key in new[] { "resid_pre", "attn_out", "mlp_out", "heads" })
        {
            var want = golden[key]!.AsArray();
            var got = json[key]!.AsArray();
            Assert.Equal(want.Count, got.Count);
            for (var l = 0; l < want.Count; l++)
            {
                Assert.Equal(want[l]!.AsArray().Count, got[l]!.AsArray().Count);
                for (var i = 0; i < want[l]!.AsArray().Count; i++) Close((double)want[l]![i]!, (double)got[l]![i]!, $"{key}[{l}][{i}]");
            }
        }
    }

    [Fact]
    public void Patch_MethodBoth_AddsTheEstimateAndItsCorrelation()
    {
        var golden = Goldens["patch"]!;
        var result = CliRunner.Run("patch", "--model", fixture.Checkpoint.ModelDirectory, "--clean-ids", IdList(golden["clean_ids"]),
            "--corrupted-ids", IdList(golden["corrupted_ids"]), "--target", $"#{(int)golden["target"]!}", "--distractor", "#13", "--method", "both", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        Close((double)golden["resid_pre"]![1]![3]!, (double)json["resid_pre"]![1]![3]!, "exact resid_pre[1][3]");
        Close((double)golden["attribution"]!["heads"]![2]![1]!, (double)json["attribution"]!["heads"]![2]![1]!, "attribution heads[2][1]");
        foreach (var key in new[] { "resid_pre", "attn_out", "mlp_out", "heads" }) Close((double)golden["correlation"]![key]!, (double)json["correlation"]![key]!, key);
    }

    [Fact]
    public void Patch_WithSaes_AddsTheTopFeaturesPatched()
    {
        var golden = Goldens["patch"]!;
        var args = new List<string> { "patch", "--model", fixture.Checkpoint.ModelDirectory, "--clean-ids", IdList(golden["clean_ids"]),
            "--corrupted-ids", IdList(golden["corrupted_ids"]), "--target", $"#{(int)golden["target"]!}", "--distractor", "#13", "--json" };
        foreach (var sae in golden["saes"]!.AsArray()) args.AddRange(["--sae", fixture.Checkpoint.SaeDirectory((string)sae!)]);
        var result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var got = JsonNode.Parse(result.StandardOutput)!["features"]!.AsArray();
        var want = golden["features"]!.AsArray();
        Assert.Equal(want.Select(f => $"{f!["sae"]}/{f["index"]}"), got.Select(f => $"{f!["sae"]}/{f["index"]}"));
        for (var i = 0; i < want.Count; i++)
        {
            Close((double)want[i]!["attribution"]!, (double)got[i]!["attribution"]!, $"features[{i}].attribution");
            Close((double)want[i]!["patched"]!, (double)got[i]!["patched"]!, $"features[{i}].patched");
        }
    }

    [Fact]
    public void Patch_UnequalLengths_FailsNamingBoth()
    {
        var result = CliRunner.Run("patch", "--model", fixture.Checkpoint.ModelDirectory, "--clean", "The quick brown fox", "--corrupted", "The fox",
            "--target", "#1", "--distractor", "#2", "--json");

        Assert.Equal(BadInput, result.ExitCode);
        var line = Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("5 tokens", line);
        Assert.Contains("corrupted prompt 3", line);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
