using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>The UMAP job's promise: cancelled midway and run again, it stores the map an uninterrupted run stores.</summary>
public sealed class UmapJobTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atlas-umap-job-").FullName;

    [Fact]
    public async Task RunAsync_CancelledDuringEpochsThenRerun_StoresTheUninterruptedMap()
    {
        var expected = await RunAsync("whole", null);

        var (store, options) = await NewRunAsync("resumed");
        using var cancellation = new CancellationTokenSource();
        var progress = new CancelAt(40, cancellation);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => UmapJob.RunAsync(options, store.Models, store.Umaps, progress, cancellation.Token));
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory, "*.ckpt"));
        Assert.Null(await store.Umaps.GetUmapAsync("model", "sae", CancellationToken.None));

        var seen = new List<JobProgress>();
        await UmapJob.RunAsync(options, store.Models, store.Umaps, new Collect(seen), CancellationToken.None);
        Assert.DoesNotContain(seen, p => p.Stage == "neighbors");        // the kNN graph came from the checkpoint
        Assert.Equal(40, seen.First(p => p.Stage == "epochs").Done);     // and so did the layout, at epoch 40
        var resumed = await store.Umaps.GetUmapAsync("model", "sae", CancellationToken.None);
        Assert.Equal(expected!.X, resumed!.X);
        Assert.Equal(expected.Y, resumed.Y);
        Assert.Equal(Enumerable.Range(0, 300), resumed.Indices);
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    private async Task<UmapPoints?> RunAsync(string name, IProgress<JobProgress>? progress)
    {
        var (store, options) = await NewRunAsync(name);
        await UmapJob.RunAsync(options, store.Models, store.Umaps, progress, CancellationToken.None);
        return await store.Umaps.GetUmapAsync("model", "sae", CancellationToken.None);
    }

    private async Task<(AtlasStores Store, UmapJobOptions Options)> NewRunAsync(string name)
    {
        var config = new Gpt2Config { Layers = 2, DModel = 64, Heads = 4, Positions = 32, Vocab = 100, DMlp = 256 };
        var saeDirectory = Path.Combine(_root, "sae");
        if (!Directory.Exists(saeDirectory)) SaeInitializer.Create(config, "model", "blocks.1.hook_resid_pre", 300, SaeArchitecture.Standard, seed: 4).Save(saeDirectory);
        var store = await AtlasDatabase.OpenAsync(Path.Combine(_root, $"{name}.db"), CancellationToken.None);
        await store.Models.UpsertModelAsync(new ModelRecord("model", null, "{}", 2, 64, 100), CancellationToken.None);
        await store.Models.UpsertSaeAsync(new SaeRecord("model", "sae", saeDirectory, "blocks.1.hook_resid_pre", 1, 64, 300, "standard", "{}"), CancellationToken.None);
        var options = new UmapJobOptions
        {
            Model = "model", Sae = "sae", Umap = new UmapOptions { Seed = 3, NEpochs = 100 },
            CheckpointInterval = TimeSpan.Zero, CheckpointDirectory = Path.Combine(_root, $"{name}-checkpoints"),
        };
        return (store, options);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
