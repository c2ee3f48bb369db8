using System.Text.Json.Nodes;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>
/// <see cref="GraphJob"/> on the tiny GPT-2 with three stored random transcoders: it reports backward passes to the end and
/// stores the graph (labelled from explanations); run again it returns the stored graph without building; a missing
/// transcoder or a cancel stores nothing.
/// </summary>
public sealed class GraphJobTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>, IDisposable
{
    private const string Model = "tiny-gpt2";
    private readonly TemporaryDirectory _folder = new();

    private async Task<AtlasStores> StoreAsync()
    {
        var stores = await AtlasDatabase.OpenAsync(_folder.Combine("atlas.db"), CancellationToken.None);
        var config = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory).Config;
        await stores.Models.UpsertModelAsync(new ModelRecord(Model, fixture.Checkpoint.ModelDirectory, "{}", config.Layers, config.DModel, config.Vocab), CancellationToken.None);
        for (var layer = 0; layer < config.Layers; layer++)
        {
            var dir = _folder.Combine($"tc{layer}");
            Transcoder.Create(config, Model, layer, 48, SaeArchitecture.Standard, (ulong)(layer + 1)).Save(dir);
            await stores.Models.UpsertSaeAsync(SaeRecord.Of(Model, Transcoder.Load(dir).Encoder, dir), CancellationToken.None);
        }
        return stores;
    }

    private static GraphJobOptions Options(string slug, params string[] transcoders) =>
        new() { Model = Model, Transcoders = transcoders, Prompt = "Hello world, this is", Slug = slug, MaxFeatureNodes = 100 };

    [Fact]
    public async Task RunAsync_Prompt_StoresTheGraphWithProgressAndLabels_AndARerunReturnsItUnbuilt()
    {
        var stores = await StoreAsync();
        var reports = new List<JobProgress>();
        var progress = new SynchronousProgress(reports.Add);
        await stores.Explanations.SaveExplanationsAsync(Model, "tc1", Enumerable.Range(0, 48).Select(i => new ExplanationRecord(i, $"tc1 feature {i}", "manual", null, null, DateTimeOffset.UtcNow)).ToArray(), CancellationToken.None);

        var stored = await GraphJob.RunAsync(Options("hello", "tc0", "tc1", "tc2"), stores.Models, stores.Graphs, stores.Explanations, progress, CancellationToken.None);

        var passes = reports.Where(r => r.Stage == "backward passes").ToArray();
        Assert.NotEmpty(passes);
        Assert.Equal(passes[^1].Total, passes[^1].Done);
        Assert.Equal("storing", reports[^1].Stage);
        Assert.Equal((Model, "hello", "Hello world, this is"), (stored.Model, stored.Slug, stored.Prompt));
        var json = JsonNode.Parse(await stores.Graphs.GetGraphJsonAsync(Model, "hello", CancellationToken.None))!;
        Assert.Equal("hello", (string)json["metadata"]!["slug"]!);
        Assert.Equal(stored.Nodes, json["nodes"]!.AsArray().Count);
        var tc1 = json["nodes"]!.AsArray().Where(n => ((string)n!["node_id"]!).StartsWith("1_", StringComparison.Ordinal) && (string)n!["feature_type"]! == "cross layer transcoder").ToArray();
        Assert.NotEmpty(tc1);
        Assert.All(tc1, n => Assert.Equal($"tc1 feature {((string)n!["node_id"]!).Split('_')[1]}", (string)n!["clerp"]!));
        Assert.Contains(json["nodes"]!.AsArray(), n => ((string)n!["node_id"]!).StartsWith("0_", StringComparison.Ordinal) && (string)n!["clerp"]! == "");

        reports.Clear();
        var again = await GraphJob.RunAsync(Options("hello", "tc0", "tc1", "tc2"), stores.Models, stores.Graphs, stores.Explanations, progress, CancellationToken.None);
        Assert.Equal(stored, again);
        Assert.Empty(reports);
    }

    [Fact]
    public async Task RunAsync_MissingTranscoderOrCancelled_StoresNothing()
    {
        var stores = await StoreAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => GraphJob.RunAsync(Options("a", "tc0", "nope", "tc2"), stores.Models, stores.Graphs, null, null, CancellationToken.None));
        var gap = await Assert.ThrowsAsync<InvalidDataException>(() => GraphJob.RunAsync(Options("b", "tc0", "tc1"), stores.Models, stores.Graphs, null, null, CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GraphJob.RunAsync(Options("c", "tc0", "tc1", "tc2"), stores.Models, stores.Graphs, null, null, cancelled.Token));

        Assert.Equal("Transcoder 'nope' of model 'tiny-gpt2' is not in the store.", missing.Message);
        Assert.StartsWith("No transcoder for block(s) 2", gap.Message, StringComparison.Ordinal);
        Assert.Empty(await stores.Graphs.ListGraphsAsync(null, null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_CancelledMidwayThenRerun_ContinuesToTheUninterruptedGraph()
    {
        var stores = await StoreAsync();
        // Batches of 8 and a ranking every 2 batches: the cut lands among queues of features chosen by influence.
        var options = Options("whole", "tc0", "tc1", "tc2") with { MaxFeatureNodes = 40, BatchSize = 8, UpdateInterval = 2, CheckpointDirectory = _folder.Combine("checkpoints") };
        var whole = await GraphJob.RunAsync(options, stores.Models, stores.Graphs, null, null, CancellationToken.None);
        var expected = JsonNode.Parse(await stores.Graphs.GetGraphJsonAsync(Model, "whole", CancellationToken.None))!;
        var logits = expected["nodes"]!.AsArray().Count(n => (string)n!["feature_type"]! == "logit");

        // Logit rows, then queues of 16 features: stop after the first batch of the second queue, in its middle.
        var savedAt = logits + 16 + 8;
        using var stop = new CancellationTokenSource();
        var cut = new SynchronousProgress(p =>
        {
            if (p.Stage == "backward passes" && p.Done == savedAt) stop.Cancel();
        });
        var resumed = options with { Slug = "resumed" };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GraphJob.RunAsync(resumed, stores.Models, stores.Graphs, null, cut, stop.Token));
        Assert.True(stop.IsCancellationRequested);
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory!, "graph-*.ckpt"));

        var second = new List<JobProgress>();
        await GraphJob.RunAsync(resumed, stores.Models, stores.Graphs, null, new SynchronousProgress(second.Add), CancellationToken.None);

        Assert.Equal(savedAt + 8, second.First(p => p.Stage == "backward passes").Done);   // the rerun's first batch is the next one
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory!, "graph-*.ckpt"));
        var actual = JsonNode.Parse(await stores.Graphs.GetGraphJsonAsync(Model, "resumed", CancellationToken.None))!;
        Assert.Equal(whole.Nodes, actual["nodes"]!.AsArray().Count);
        Assert.Equal(expected["nodes"]!.ToJsonString(), actual["nodes"]!.ToJsonString());
        Assert.Equal(expected["links"]!.ToJsonString(), actual["links"]!.ToJsonString());
    }

    public void Dispose() => _folder.Dispose();

    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
