using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Data;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>
/// <c>train-lm</c>'s job on the fixture's 2,000 windows of 16 tokens with a 1-layer GPT-2 (d_model 16, 2 heads, ctx 15):
/// the Hugging Face folder it writes, the held-out split, an exact resume, and bad input named before any work.
/// </summary>
public sealed class TrainLmJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task RunAsync_TinyCorpus_WritesACheckpointEveryCommandLoadsWithHeldOutLossAndBaselines()
    {
        var store = await Store();
        var options = Options(tokens: 12 * 4 * 15);
        var steps = new List<TrainLmProgress>();

        var result = await TrainLmJob.RunAsync(options, store, new Recorder(steps), CancellationToken.None);

        var model = Gpt2Model.Load(options.OutputDirectory);
        Assert.Equal(new Gpt2Config { Layers = 1, DModel = 16, Heads = 2, Positions = 16, Vocab = 50257, DMlp = 64 }, model.Config);
        Assert.Null(model.Weights.WU);   // tied, as GPT-2
        Assert.Equal(20, result.HeldOutEvery);
        Assert.Equal(100 * 15, result.HeldOutTokens);   // windows 19, 39, …, 1999: 15 targets each
        Assert.Equal(12 * 4 * 15, result.TrainTokens);
        Assert.Equal(Enumerable.Range(1, 12), steps.Select(s => s.Step));
        // The reported held-out loss is the saved model's mean cross-entropy over exactly the held-out windows.
        var heldOut = fixture.Windows.Where((_, i) => i % 20 == 19).SelectMany(w => w).ToArray();
        var (nats, targets) = LanguageModelTrainer.Evaluate(model, heldOut, 100);
        Assert.Equal(1500, targets);
        Assert.Equal(nats / targets, result.HeldOutLoss, 1e-4);
        Assert.True(result.UnigramLoss > 0 && result.BigramLoss > 0);
        Assert.Equal(1900 * 15, result.SplitTokens);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(result), System.Text.Json.JsonSerializer.Serialize(TrainLmJob.ReadReport(options.OutputDirectory)));
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    /// <summary>
    /// Stopped after step 5 and rerun, the job draws the same batches and writes the uninterrupted run's weights bit for
    /// bit, with and without a bigram teacher (fit again on the same training split by the rerun).
    /// </summary>
    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    public async Task RunAsync_CancelledMidwayThenRerun_WritesTheUninterruptedWeights(float distill)
    {
        var store = await Store();
        var straight = Options(tokens: 12 * 4 * 15) with { DistillWeight = distill };
        var straightSteps = new List<TrainLmProgress>();
        await TrainLmJob.RunAsync(straight, store, new Recorder(straightSteps), CancellationToken.None);

        var resumed = straight with { OutputDirectory = fixture.NewPath("resumed"), CheckpointDirectory = fixture.NewPath("ckpt") };
        using var cancellation = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainLmJob.RunAsync(resumed, store, new StopAtStep(5, cancellation), cancellation.Token));
        Assert.Single(Directory.GetFiles(resumed.CheckpointDirectory));
        Assert.False(Directory.Exists(resumed.OutputDirectory));
        var steps = new List<TrainLmProgress>();
        await TrainLmJob.RunAsync(resumed, store, new Recorder(steps), CancellationToken.None);

        Assert.Equal(6, steps[0].Step);
        Assert.Equal(straightSteps[5..].Select(s => s.Loss), steps.Select(s => s.Loss));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight.OutputDirectory, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed.OutputDirectory, "model.safetensors")));
    }

    [Fact]
    public async Task RunAsync_BadInput_OneMessageNamingTheValueBeforeAnyWork()
    {
        var store = await Store();
        await store.AddCorpusAsync("empty", "test", 16, [], replace: false, CancellationToken.None);

        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => TrainLmJob.RunAsync(Options(100) with { Corpora = ["no-such"] }, store, null, CancellationToken.None));
        Assert.Equal("No corpus named 'no-such'; add it with `atlas corpus add`.", missing.Message);
        var empty = await Assert.ThrowsAsync<InvalidDataException>(() => TrainLmJob.RunAsync(Options(100) with { Corpora = ["empty"] }, store, null, CancellationToken.None));
        Assert.Equal("Corpus 'empty' is empty (0 windows); add it again with some text.", empty.Message);
        var context = await Assert.ThrowsAsync<InvalidDataException>(() => TrainLmJob.RunAsync(Options(100) with { Context = 16 }, store, null, CancellationToken.None));
        Assert.Equal("--ctx 16 needs windows of 17 tokens, but corpus 'windows' has 16-token windows; use --ctx 15 or less.", context.Message);
        var heads = await Assert.ThrowsAsync<ArgumentException>(() => TrainLmJob.RunAsync(Options(100) with { DModel = 30, Heads = 4 }, store, null, CancellationToken.None));
        Assert.Equal("--d-model 30 is not divisible by --heads 4.", heads.Message);
        Assert.False(Directory.Exists(Options(100).CheckpointDirectory));
    }

    private TrainLmJobOptions Options(long tokens) => new()
    {
        Corpora = ["windows"], OutputDirectory = fixture.NewPath("lm"), CheckpointDirectory = fixture.NewPath("ckpt"),
        Layers = 1, DModel = 16, Heads = 2, Context = 15, Tokens = tokens, Batch = 4, LearningRate = 1e-2f, WarmupSteps = 2, Seed = 3,
        HeldOutFraction = 0.05, MinTokenCount = 0, DistillWeight = 0, ProgressEvalTokens = 60, EvalEverySteps = 4, CheckpointInterval = TimeSpan.FromDays(1),
    };

    private async Task<ICorpusStore> Store()
    {
        var store = await AtlasDatabase.OpenAsync(fixture.NewPath("atlas") + ".db", CancellationToken.None);
        await store.Corpora.AddCorpusAsync("windows", "test", 16, fixture.Windows, replace: false, CancellationToken.None);
        return store.Corpora;
    }

    private sealed class Recorder(List<TrainLmProgress> steps) : IProgress<TrainLmProgress>
    {
        public void Report(TrainLmProgress value) => steps.Add(value);
    }

    private sealed class StopAtStep(int step, CancellationTokenSource cancellation) : IProgress<TrainLmProgress>
    {
        public void Report(TrainLmProgress value)
        {
            if (value.Step >= step) cancellation.Cancel();
        }
    }
}
