using System.Text.Json.Nodes;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Pipelines;

/// <summary>
/// Loading a model with several SAEs: SAELens loads the model with each SAE's model_from_pretrained_kwargs, so
/// SAEs that disagree cannot share one forward pass unless the user picks the processing.
/// </summary>
public class InferenceSessionTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string RawSae = "standard-resid-pre-1";
    private const string CenteredCopy = "standard-resid-pre-1-centered";

    [Fact]
    public void Load_SaesWantingDifferentProcessing_ThrowsNamingBoth()
    {
        using var temp = new TemporaryDirectory();
        var centered = CopyWithCenterWritingWeights(temp);

        var error = Assert.Throws<ArgumentException>(() =>
            InferenceSession.Load(fixture.Checkpoint.ModelDirectory, [fixture.Checkpoint.SaeDirectory(RawSae), centered]));

        Assert.Contains($"'{RawSae}'", error.Message);
        Assert.Contains($"'{CenteredCopy}'", error.Message);
    }

    [Fact]
    public void Load_SaesWantingDifferentProcessingWithExplicitProcessing_RunsBoth()
    {
        using var temp = new TemporaryDirectory();
        var centered = CopyWithCenterWritingWeights(temp);

        var session = InferenceSession.Load(fixture.Checkpoint.ModelDirectory, [fixture.Checkpoint.SaeDirectory(RawSae), centered], WeightProcessing.Raw);
        var result = session.Run(fixture.Checkpoint.TokenIds);

        Assert.Equal(WeightProcessing.Raw, session.Model.Processing);
        Assert.Equal([RawSae, CenteredCopy], session.Saes.Select(s => s.Name));
        // Both SAEs read the raw model, so both give the raw golden activations of the original SAE.
        TestData.AssertClose(fixture.Golden($"sae/{RawSae}/acts"), result.Features[RawSae].Data, 1e-4, RawSae);
        TestData.AssertClose(fixture.Golden($"sae/{RawSae}/acts"), result.Features[CenteredCopy].Data, 1e-4, CenteredCopy);
    }

    /// <summary>The raw SAE copied under another name, its cfg asking for center_writing_weights (as gpt2-small-res-jb does).</summary>
    private string CopyWithCenterWritingWeights(TemporaryDirectory temp)
    {
        var copy = temp.CopyFolder(fixture.Checkpoint.SaeDirectory(RawSae), CenteredCopy);
        var cfgPath = Path.Combine(copy, "cfg.json");
        var cfg = (JsonObject)JsonNode.Parse(File.ReadAllText(cfgPath))!;
        cfg["metadata"]!["model_from_pretrained_kwargs"] = new JsonObject { ["center_writing_weights"] = true };
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        return copy;
    }
}
