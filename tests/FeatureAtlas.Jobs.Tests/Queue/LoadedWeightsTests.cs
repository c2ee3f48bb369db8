using FeatureAtlas.Core.Model;
using FeatureAtlas.Jobs.Queue;

namespace FeatureAtlas.Jobs.Tests.Queue;

/// <summary>A worker keeps the model it loaded for its next shard, and loads again when the weights or the processing differ.</summary>
public sealed class LoadedWeightsTests : IDisposable
{
    private readonly SyntheticCheckpoint _checkpoint = SyntheticCheckpoint.Create();

    [Fact]
    public void Model_SameFolderAndProcessing_LoadedOnceUntilTheWeightsChange()
    {
        var loaded = new LoadedWeights();
        var folder = _checkpoint.ModelDirectory;

        var first = loaded.Model(folder, WeightProcessing.Raw);
        Assert.Same(first, loaded.Model(folder, WeightProcessing.Raw));

        var processed = loaded.Model(folder, WeightProcessing.TransformerLens);
        Assert.NotSame(first, processed);
        Assert.Equal(WeightProcessing.TransformerLens.ToString(), processed.Processing.ToString());

        File.SetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors"), DateTime.UtcNow.AddMinutes(1));
        Assert.NotSame(processed, loaded.Model(folder, WeightProcessing.TransformerLens));
    }

    public void Dispose() => _checkpoint.Dispose();
}
