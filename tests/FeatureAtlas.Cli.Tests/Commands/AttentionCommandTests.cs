using System.Text.Json.Nodes;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas attention</c>: the --json shape against the PyTorch goldens ("attention" of make_circuits_golden.py), and its usage errors.</summary>
[Collection(CliCollection.Name)]
public class AttentionCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly JsonNode Goldens = JsonNode.Parse(File.ReadAllText(Golden.Path("circuits_golden.json")))!;

    [Fact]
    public void Attention_TokenIdsJson_PatternsAndDfaMatchPyTorch()
    {
        var golden = Goldens["attention"]!;
        var dfa = golden["dfa"]![0]!;
        var ids = string.Join(',', Goldens["token_ids"]!.AsArray().Select(t => (int)t!));
        var result = CliRunner.Run("attention", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", ids,
            "--sae", fixture.Checkpoint.SaeDirectory((string)golden["dfa_sae"]!), "--feature", $"{(int)dfa["feature"]!}", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StandardOutput)!;
        var layers = json["layers"]!.AsArray();
        Assert.Equal(golden["patterns"]!.AsArray().Count, layers.Count);
        for (var l = 0; l < layers.Count; l++)
        {
            Assert.Equal(l, (int)layers[l]!["layer"]!);
            var heads = layers[l]!["heads"]!.AsArray();
            for (var h = 0; h < heads.Count; h++)
            {
                for (var q = 0; q < heads[h]!.AsArray().Count; q++)
                {
                    for (var s = 0; s < heads[h]![q]!.AsArray().Count; s++) Close((double)golden["patterns"]![l]![h]![q]![s]!, (double)heads[h]![q]![s]!, $"L{l}H{h}[{q},{s}]");
                }
            }
        }
        Assert.Equal((int)dfa["target_index"]!, (int)json["dfa"]!["target_index"]!);
        var values = json["dfa"]!["values"]!.AsArray();
        for (var s = 0; s < values.Count; s++) Close((double)dfa["values"]![s]!, (double)values[s]!, $"dfa[{s}]");
    }

    [Fact]
    public void Attention_FeatureWithoutSae_IsAUsageError()
    {
        var result = CliRunner.Run("attention", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", "1,2,3", "--feature", "4", "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--sae and --feature together", result.StandardError);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
