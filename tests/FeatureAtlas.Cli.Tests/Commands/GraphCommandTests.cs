using System.Text.Json.Nodes;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas graph</c> end to end on the tiny GPT-2 with three random transcoders (standard, skip, TopK): the graph JSON
/// file, --no-prune, and bad input (exit 1 or 2, one error line, no file written). The numbers themselves are tested
/// against PyTorch in Core.Tests (GraphBuilderTests).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class GraphCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    private string[] Transcoders()
    {
        var config = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory).Config;
        (SaeArchitecture Arch, bool Skip)[] kinds = [(SaeArchitecture.Standard, false), (SaeArchitecture.Standard, true), (SaeArchitecture.TopK, false)];
        return kinds.Select((kind, layer) =>
        {
            var dir = _folder.Combine($"tc{layer}");
            if (!Directory.Exists(dir)) Transcoder.Create(config, "tiny-gpt2", layer, 48, kind.Arch, (ulong)(layer + 1), k: 6, skip: kind.Skip).Save(dir);
            return dir;
        }).ToArray();
    }

    [Fact]
    public void Graph_Prompt_WritesGraphJsonWithTokensAndLogits()
    {
        var output = _folder.Combine("hello.json");
        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--prompt", "Hello world, this is", "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("graph: 6 tokens, ", result.StandardOutput, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(output))!;
        Assert.Equal("hello", (string)json["metadata"]!["slug"]!);
        Assert.Equal("tiny-gpt2", (string)json["metadata"]!["scan"]!);
        Assert.Equal(["<|endoftext|>", "Hello", " world", ",", " this", " is"], json["metadata"]!["prompt_tokens"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(["tc0", "tc1", "tc2"], json["metadata"]!["transcoder_list"]!.AsArray().Select(t => (string)t!));
        var nodes = json["nodes"]!.AsArray();
        Assert.Equal(6, nodes.Count(n => (string)n!["feature_type"]! == "embedding"));
        var logits = nodes.Where(n => (string)n!["feature_type"]! == "logit").ToArray();
        Assert.InRange(logits.Length, 1, 10);
        Assert.All(logits, l => Assert.Equal("4", (string)l!["layer"]!));
        Assert.NotEmpty(json["links"]!.AsArray());
        Assert.False(File.Exists(output + ".tmp"));
    }

    [Fact]
    public void Graph_NoPrune_KeepsAtLeastAsManyNodesAndLinks()
    {
        string[] common = ["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--token-ids", "50256,464,3290,318"];
        var pruned = CliRunner.Run([.. common, "--out", _folder.Combine("p.json")]);
        var full = CliRunner.Run([.. common, "--no-prune", "--out", _folder.Combine("f.json")]);

        Assert.True(pruned.ExitCode == 0 && full.ExitCode == 0, pruned + "\n" + full);
        var p = JsonNode.Parse(File.ReadAllText(_folder.Combine("p.json")))!;
        var f = JsonNode.Parse(File.ReadAllText(_folder.Combine("f.json")))!;
        Assert.True(f["links"]!.AsArray().Count > p["links"]!.AsArray().Count);
        Assert.True(f["nodes"]!.AsArray().Count > p["nodes"]!.AsArray().Count);
        Assert.Equal(0.0, (double)f["metadata"]!["pruning_settings"]!["edge_threshold"]!);
    }

    [Fact]
    public void Graph_TranscoderMissingForABlock_ExitsOneAndWritesNothing()
    {
        var output = _folder.Combine("missing.json");
        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders()[..2], "--prompt", "Hi", "--out", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: No transcoder for block(s) 2: a replacement model needs one transcoder per MLP (3 blocks, 2 transcoder(s) given).", result.StandardError.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Graph_PromptOverSixtyFourTokens_ExitsOneAndWritesNothing()
    {
        var output = _folder.Combine("long.json");
        var ids = string.Join(',', Enumerable.Repeat(464, 65));
        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--token-ids", ids, "--out", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: The prompt has 65 tokens; attribution graphs allow at most 64.", result.StandardError.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Graph_ThresholdAboveOne_IsAUsageError()
    {
        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--prompt", "Hi", "--node-threshold", "1.5", "--out", _folder.Combine("x.json")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --node-threshold must be in [0, 1], found 1.5.", result.StandardError.Trim());
    }

    [Fact]
    public async Task Graph_Save_StoresTheGraphUnderModelAndSlug_AndATakenSlugStopsBeforeWork()
    {
        var db = _folder.Combine("atlas.db");
        var stores = await FeatureAtlas.Data.AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var config = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory).Config;
        await stores.Models.UpsertModelAsync(new FeatureAtlas.Core.Storage.ModelRecord("tiny-gpt2", fixture.Checkpoint.ModelDirectory, "{}", config.Layers, config.DModel, config.Vocab), CancellationToken.None);
        string[] command = ["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--prompt", "Hello world", "--save", "--slug", "hello-world", "--db", db];

        var first = CliRunner.Run([.. command, "--out", _folder.Combine("first.json")]);
        var second = CliRunner.Run([.. command, "--out", _folder.Combine("second.json")]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("; stored as tiny-gpt2/graph/hello-world", first.StandardOutput, StringComparison.Ordinal);
        var stored = await stores.Graphs.GetGraphAsync("tiny-gpt2", "hello-world", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("Hello world", stored.Prompt);
        var json = JsonNode.Parse(await stores.Graphs.GetGraphJsonAsync("tiny-gpt2", "hello-world", CancellationToken.None))!;
        Assert.Equal(JsonNode.Parse(File.ReadAllText(_folder.Combine("first.json")))!["links"]!.ToJsonString(), json["links"]!.ToJsonString());
        Assert.Equal(stored.Nodes, json["nodes"]!.AsArray().Count);
        Assert.Equal(1, second.ExitCode);
        Assert.Equal("error: Model 'tiny-gpt2' already has a graph with slug 'hello-world'; choose another slug.", second.StandardError.Trim());
        Assert.False(File.Exists(_folder.Combine("second.json")));
    }

    [Fact]
    public void Graph_SaveWithASlugOfCapitals_IsAUsageError()
    {
        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders(), "--prompt", "Hi", "--save", "--out", _folder.Combine("Hello.json"), "--db", _folder.Combine("a.db")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --slug (default: the --out file name) may hold only lowercase letters, digits, '_' and '-'; 'Hello' has 'H'.", result.StandardError.Trim());
    }

    [Fact]
    public void Graph_TranscoderOfAnotherWidth_ExitsOneNamingTheTranscoder()
    {
        var config = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory).Config;
        var wide = _folder.Combine("wide");
        Transcoder.Create(config with { DModel = config.DModel * 2 }, "tiny-gpt2", 2, 48, SaeArchitecture.Standard, 9, name: "wide").Save(wide);
        var output = _folder.Combine("wide.json");

        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders()[..2], wide, "--prompt", "Hi", "--out", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: Transcoder 'wide': d_in is {config.DModel * 2}, but this model's d_model is {config.DModel}.", result.StandardError.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Graph_TranscodersOfTwoModels_ExitsOneNamingBoth()
    {
        var config = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory).Config;
        var stranger = _folder.Combine("stranger");
        Transcoder.Create(config, "other-gpt2", 2, 48, SaeArchitecture.Standard, 9, name: "stranger").Save(stranger);
        var output = _folder.Combine("mixed.json");

        var result = CliRunner.Run(["graph", "--model", fixture.Checkpoint.ModelDirectory, "--transcoders", .. Transcoders()[..2], stranger, "--prompt", "Hi", "--out", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: Transcoders 'tc0' (model_name tiny-gpt2) and 'stranger' (model_name other-gpt2) were trained on different models; give one model's transcoders.", result.StandardError.Trim());
        Assert.False(File.Exists(output));
    }

    public void Dispose() => _folder.Dispose();
}
