using System.Text.Json.Nodes;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>The patching job's promise: stopped midway and run again, it returns what an uninterrupted run returns (the PyTorch golden grid).</summary>
public sealed class PatchJobTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atlas-patch-job-").FullName;

    [Fact]
    public async Task RunAsync_CancelledMidwayThenRerun_ContinuesToTheUninterruptedResult()
    {
        var golden = JsonNode.Parse(File.ReadAllText(Golden.Path("circuits_golden.json")))!["patch"]!;
        int[] Ids(string key) => golden[key]!.AsArray().Select(x => (int)x!).ToArray();
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var saes = new[] { SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("hookz-1")) };
        var options = new PatchJobOptions
        {
            Clean = Ids("clean_ids"), Corrupted = Ids("corrupted_ids"), Target = (int)golden["target"]!, Distractor = (int)golden["distractor"]!,
            CheckpointDirectory = Path.Combine(_root, "checkpoints"), CheckpointInterval = TimeSpan.Zero, CellsPerStep = 10,
        };
        var expected = ActivationPatching.Run(model, options.Clean, options.Corrupted, options.Target, options.Distractor, saes);

        using var cancellation = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PatchJob.RunAsync(options, model, saes, new CancelAtCells(60, cancellation), cancellation.Token));
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory, "*.ckpt"));

        var seen = new List<JobProgress>();
        var result = await PatchJob.RunAsync(options, model, saes, new Collect(seen), CancellationToken.None);
        Assert.Equal(60, seen[0].Done);                                  // continued where it stopped
        Assert.Equal(seen[0].Total, seen[^1].Done);
        foreach (var (want, got) in new[] { (expected.ResidPre, result.ResidPre), (expected.AttnOut, result.AttnOut), (expected.MlpOut, result.MlpOut), (expected.Heads, result.Heads) })
        {
            for (var l = 0; l < want.Length; l++) Assert.Equal(want[l], got[l], (a, b) => Math.Abs(a - b) <= 1e-5f);
        }
        Assert.Equal(expected.Features.Select(f => (f.Sae, f.Index)), result.Features.Select(f => (f.Sae, f.Index)));
        Assert.Equal(expected.Features.Select(f => f.Patched), result.Features.Select(f => f.Patched), (a, b) => Math.Abs(a - b) <= 1e-5f);
        Assert.Equal((double)golden["mlp_out"]![2]![5]!, result.MlpOut[2][5], 1e-4);
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class CancelAtCells(int cells, CancellationTokenSource cancellation) : IProgress<JobProgress>
    {
        public void Report(JobProgress value)
        {
            if (value.Stage == "cells" && value.Done >= cells) cancellation.Cancel();
        }
    }
}
