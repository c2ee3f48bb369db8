using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

public sealed class TrainSaeJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Theory]
    [InlineData(SaeArchitecture.Standard)]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.JumpRelu)]
    public async Task RunAsync_TinyModel_WritesAnSaeThatLoadsAndReconstructsBetterThanAtStart(SaeArchitecture architecture)
    {
        var store = await Store();
        var options = Options(architecture, steps: 30);
        var progress = new List<TrainProgress>();
        var sae = await TrainSaeJob.RunAsync(options, store.Corpora, new Recorder(progress), CancellationToken.None);

        var loaded = SparseAutoencoder.Load(options.OutputDirectory);
        Assert.Equal(architecture, loaded.Config.Architecture);
        Assert.Equal(("blocks.1.hook_resid_pre", 64, 128), (loaded.HookName, loaded.DIn, loaded.DSae));
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "sparsity.safetensors")));
        Assert.Equal(30, progress.Count);
        Assert.True(progress[^1].Mse < progress[0].Mse * 0.8, $"MSE went from {progress[0].Mse} to {progress[^1].Mse}.");
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
        if (architecture == SaeArchitecture.TopK) Assert.True(progress.All(p => p.L0 <= 8));
    }

    /// <summary>
    /// Stopped after step 5 and rerun, the job writes bit for bit what an uninterrupted run writes. TopK runs 512
    /// features at k 8 on 64-token batches with a 1-step dead window, so features are dead on both sides of the stop
    /// and the AuxK loss depends on the restored steps-since-fired counts; the per-step losses after the resume
    /// equal the uninterrupted run's too.
    /// </summary>
    [Theory]
    [InlineData(SaeArchitecture.Standard)]
    [InlineData(SaeArchitecture.TopK)]
    public async Task RunAsync_CancelledMidwayThenRerun_WritesTheUninterruptedResult(SaeArchitecture architecture)
    {
        var store = await Store();
        var straight = Options(architecture, steps: 12);
        if (architecture == SaeArchitecture.TopK) straight = straight with { Training = straight.Training with { DSae = 512, DeadFeatureWindow = 1 } };
        var straightSteps = new List<TrainProgress>();
        await TrainSaeJob.RunAsync(straight, store.Corpora, new Recorder(straightSteps), CancellationToken.None);

        var resumed = straight with { OutputDirectory = fixture.NewPath("resumed"), CheckpointDirectory = fixture.NewPath("ckpt") };
        using var cancellation = new CancellationTokenSource();
        var stopAt = new StopAtStep(5, cancellation);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainSaeJob.RunAsync(resumed, store.Corpora, stopAt, cancellation.Token));
        Assert.Single(Directory.GetFiles(resumed.CheckpointDirectory));
        Assert.False(Directory.Exists(resumed.OutputDirectory));
        var steps = new List<TrainProgress>();
        await TrainSaeJob.RunAsync(resumed, store.Corpora, new Recorder(steps), CancellationToken.None);
        Assert.Equal(6, steps[0].Step);   // continued after the checkpointed step 5
        Assert.Equal(straightSteps[5..], steps);
        if (architecture == SaeArchitecture.TopK)
        {
            Assert.True(straightSteps[2..5].All(p => p.DeadFeatures > 0 && p.AuxLoss > 0) && steps.All(p => p.AuxLoss > 0),
                $"AuxK must be active before and after the stop; dead per step: {string.Join(", ", straightSteps.Select(p => p.DeadFeatures))}.");
        }

        var a = SparseAutoencoder.Load(straight.OutputDirectory).Parameters;
        var b = SparseAutoencoder.Load(resumed.OutputDirectory).Parameters;
        Assert.Equal(a.WEnc, b.WEnc);
        Assert.Equal(a.WDec, b.WDec);
        Assert.Equal(a.BDec, b.BDec);
        Assert.Equal(a.BEnc, b.BEnc);
    }

    [Fact]
    public async Task RunAsync_HookTheModelDoesNotHave_FailsBeforeAnyWork()
    {
        var store = await Store();
        var options = Options(SaeArchitecture.Standard, steps: 2) with { HookName = "blocks.7.hook_resid_pre" };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TrainSaeJob.RunAsync(options, store.Corpora, null, CancellationToken.None));
        Assert.Contains("2-layer", error.Message);
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    private TrainSaeJobOptions Options(SaeArchitecture architecture, int steps) => new()
    {
        ModelDirectory = fixture.ModelDirectory,
        HookName = "blocks.1.hook_resid_pre",
        Corpus = "windows",
        OutputDirectory = fixture.NewPath("sae"),
        CheckpointDirectory = fixture.NewPath("ckpt"),
        BufferBatches = 4,
        CheckpointInterval = TimeSpan.FromDays(1),
        Training = new SaeTrainingOptions
        {
            Architecture = architecture, DSae = 128, BatchTokens = 64, Steps = steps, K = 8, LearningRate = 3e-3f,
            L1Coefficient = 0.05f, L0Coefficient = 0.01f, Bandwidth = 0.01f, InitThreshold = 0.005f, Seed = 5,
        },
    };

    private async Task<AtlasStores> Store()
    {
        var store = await AtlasDatabase.OpenAsync(fixture.NewPath("atlas") + ".db", CancellationToken.None);
        await store.Corpora.AddCorpusAsync("windows", "test", 16, fixture.Windows, replace: false, CancellationToken.None);
        return store;
    }

    private sealed class Recorder(List<TrainProgress> steps) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => steps.Add(value);
    }

    private sealed class StopAtStep(int step, CancellationTokenSource cancellation) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value)
        {
            if (value.Step >= step) cancellation.Cancel();
        }
    }
}
