using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas train-sae --transcoder --hook-in --hook-out</c> on the 2-block test model, one transcoder per MLP (TopK and
/// JumpReLU), then <c>atlas graph</c> and <c>atlas eval-transcoders</c> through them.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TrainTranscoderCliTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public void TrainTranscoders_ThenGraph_WritesTranscoderFoldersAndAGraph()
    {
        var db = fixture.NewPath("tc") + ".db";
        Assert.Equal(ExitCodes.Success, CliRunner.Run("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).ExitCode);
        string[] Train(int layer, string arch, string output) => ["train-sae", "--model", fixture.ModelDirectory, "--transcoder",
            "--hook-in", $"blocks.{layer}.ln2.hook_normalized", "--hook-out", $"blocks.{layer}.hook_mlp_out", "--corpus", "windows", "--out", output,
            "--arch", arch, "--d-sae", "96", "--k", "8", "--l0", "0.01", "--tokens", "640", "--batch", "64", "--lr", "0.003", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt")];

        var bad = CliRunner.Run(["train-sae", "--model", fixture.ModelDirectory, "--transcoder", "--hook-in", "blocks.0.ln2.hook_normalized", "--corpus", "windows", "--out", fixture.NewPath("x"), "--db", db]);
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("--transcoder needs --hook-in and --hook-out (and no --hook).", bad.StandardError, StringComparison.Ordinal);

        var folders = new[] { fixture.NewPath("tc0"), fixture.NewPath("tc1") };
        var arches = new[] { "topk", "jumprelu" };
        for (var l = 0; l < 2; l++)
        {
            var result = CliRunner.Run(Train(l, arches[l], folders[l]));
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        var tc = Transcoder.Load(folders[0]);
        Assert.Equal((SaeArchitecture.TopK, "blocks.0.ln2.hook_normalized", "blocks.0.hook_mlp_out", 64, 96), (tc.Architecture, tc.HookNameIn, tc.HookNameOut, tc.DIn, tc.DSae));
        Assert.Equal("jumprelu_transcoder", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(folders[1], "cfg.json")))!["architecture"]!);

        var graphFile = fixture.NewPath("graph") + ".json";
        var graph = CliRunner.Run(["graph", "--model", fixture.ModelDirectory, "--transcoders", .. folders, "--token-ids", "50256,464,3290,318,257", "--out", graphFile]);
        Assert.True(graph.ExitCode == 0, graph.ToString());
        Assert.Equal(5, JsonNode.Parse(File.ReadAllText(graphFile))!["nodes"]!.AsArray().Count(n => (string)n!["feature_type"]! == "embedding"));

        var eval = CliRunner.Run(["eval-transcoders", "--model", fixture.ModelDirectory, "--transcoders", .. folders, "--corpus", "windows", "--tokens", "320", "--db", db, "--json"]);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var metrics = JsonNode.Parse(eval.StandardOutput)!;
        Assert.Equal(20 * 15, (long)metrics["tokens"]!);   // 20 windows of 16 tokens, BOS masked
        Assert.Equal(2, metrics["l0"]!.AsArray().Count);
        Assert.True((double)metrics["kl_div"]! >= 0);
        var recovered = ((double)metrics["ce_loss_mlp_ablation"]! - (double)metrics["ce_loss_replacement"]!) / ((double)metrics["ce_loss_mlp_ablation"]! - (double)metrics["ce_loss_clean"]!);
        Assert.Equal(recovered, (double)metrics["ce_loss_recovered"]!, 1e-9);
        Assert.Equal(ExitCodes.BadInput, CliRunner.Run(["eval-transcoders", "--model", fixture.ModelDirectory, "--transcoders", folders[0], "--corpus", "windows", "--db", db]).ExitCode);
    }
}
