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

    public void Dispose() => _folder.Dispose();

    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
