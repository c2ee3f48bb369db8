using System.Globalization;
using System.Text.Json.Nodes;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas ablate</c>: the --json shape end to end against the PyTorch golden of
/// tests/reference/make_ablation_golden.py, and its errors: 2 for bad usage (a malformed --feature), 1 for bad input
/// (an SAE not given, a target of two tokens), each one line.
/// </summary>
[Collection(CliCollection.Name)]
public class AblateCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int BadInput = 1;
    private const int Usage = 2;
    private static readonly JsonObject Goldens = (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("ablation_golden.json")))!;

    [Fact]
    public void Ablate_TwoSaesJson_MatchesPyTorch()
    {
        var golden = Goldens["cases"]!.AsArray().Single(c => (string)c!["name"]! == "clamp-two-saes")!;
        var args = new List<string>
        {
            "ablate", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", string.Join(',', Goldens["token_ids"]!.AsArray().Select(t => (int)t!)),
            "--target", $"#{(int)golden["target"]!}", "--distractor", $"#{(int)golden["distractor"]!}", "--position", $"{(int)golden["position"]!}", "--top", "5", "--json",
        };
        foreach (var sae in golden["edits"]!.AsArray().Select(e => (string)e!["sae"]!).Distinct()) args.AddRange(["--sae", fixture.Checkpoint.SaeDirectory(sae)]);
        foreach (var e in golden["edits"]!.AsArray())
        {
            var value = e!["value"] is null ? "" : ":" + ((double)e["value"]!).ToString(CultureInfo.InvariantCulture);
            var positions = e["positions"] is JsonArray p ? "@" + string.Join(',', p.Select(q => (int)q!)) : "";
            args.AddRange(["--feature", $"{(string)e["sae"]!}:{(int)e["index"]!}{value}{positions}"]);
        }

        var result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        foreach (var key in new[] { "metric_before", "metric_after", "kl", "target_prob_before", "target_prob_after" })
        {
            var name = key.StartsWith("target_prob", StringComparison.Ordinal) ? key.Replace("_prob", "", StringComparison.Ordinal) : key;
            Close((double)golden[name]!, (double)json[key]!, key);
        }
        foreach (var list in new[] { "top_before", "top_after" })
        {
            var want = golden[list]!.AsArray();
            var got = json[list]!.AsArray();
            Assert.Equal(want.Select(w => (int)w!["token_id"]!), got.Select(g => (int)g!["token_id"]!));
            for (var i = 0; i < want.Count; i++)
            {
                Close((double)want[i]!["before"]!, (double)got[i]!["before"]!, $"{list} #{i} before");
                Close((double)want[i]!["after"]!, (double)got[i]!["after"]!, $"{list} #{i} after");
            }
        }
        var found = golden["found"]!.AsArray();
        var gotFound = json["features"]!.AsArray();
        Assert.Equal(found.Count, gotFound.Count);
        for (var i = 0; i < found.Count; i++) Close((double)found[i]!["found"]!, (double)gotFound[i]!["found"]!, $"found #{i}");
    }

    [Fact]
    public void Ablate_FeatureOfAnSaeNotGiven_FailsNamingIt()
    {
        var result = CliRunner.Run("ablate", "--model", fixture.Checkpoint.ModelDirectory, "--prompt", "The quick brown", "--sae", fixture.Checkpoint.SaeDirectory("hookz-1"),
            "--feature", "mlp-post-0:3", "--json");

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var line = Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("'mlp-post-0'", line);
        Assert.Contains("hookz-1", line);
    }

    [Theory]
    [InlineData("hookz-1")]
    [InlineData("hookz-1:x")]
    [InlineData("hookz-1:3:big")]
    [InlineData("hookz-1:3@a")]
    public void Ablate_MalformedFeature_ExitsTwoQuotingIt(string spec)
    {
        var result = CliRunner.Run("ablate", "--model", fixture.Checkpoint.ModelDirectory, "--prompt", "Hi", "--sae", fixture.Checkpoint.SaeDirectory("hookz-1"), "--feature", spec);

        Assert.Equal(Usage, result.ExitCode);
        var line = Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains($"'{spec}'", line);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
