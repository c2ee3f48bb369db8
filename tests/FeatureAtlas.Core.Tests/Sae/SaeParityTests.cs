using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Sae;

/// <summary>
/// Feature activations and reconstructions of every SAE architecture and normalisation against the PyTorch
/// reference, each on its hook of the tiny model loaded the way SAELens loads it (unprocessed plus the
/// SAE cfg's model_from_pretrained_kwargs).
/// </summary>
public class SaeParityTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    public static TheoryData<string> SaeNames() =>
    [
        "standard-resid-pre-1", "standard-centered-resid-pre-2", "jumprelu-resid-post-2", "topk-mlp-out-0",
        "topk-rescaled-attn-out-1", "gated-resid-mid-1", "layernorm-resid-pre-2", "constnorm-attn-out-0", "hookz-1", "mlp-post-0",
    ];

    [Theory]
    [MemberData(nameof(SaeNames))]
    public void EncodeAndReconstruct_OnItsHook_MatchSaeLens(string name)
    {
        Assert.Contains(name, fixture.Checkpoint.SaeNames);
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory, WeightProcessing.FromPretrainedKwargs(sae.Config.ModelFromPretrainedKwargs));
        var tokens = fixture.Checkpoint.TokenIds;
        var input = model.Run(tokens, 1, RunOptions.CacheOnly(sae.HookName)).Cache[sae.HookName];

        var rows = tokens.Length;
        var features = new float[rows * sae.DSae];
        var reconstruction = new float[rows * sae.DIn];
        sae.Reconstruct(input.Data, rows, features, reconstruction);

        var expected = fixture.Golden($"sae/{name}/acts");
        TestData.AssertClose(expected, features, 1e-4, $"{name} acts");
        TestData.AssertClose(fixture.Golden($"sae/{name}/recon"), reconstruction, 1e-4, $"{name} recon");
        // The same features must be active: a tolerance on values alone could hide a flipped threshold.
        for (var i = 0; i < expected.Length; i++) Assert.True(expected[i] > 0 == features[i] > 0, $"{name}: feature {i % sae.DSae} at token {i / sae.DSae} active {features[i] > 0}, PyTorch {expected[i] > 0}.");
        Assert.Equal(features, sae.Encode(input.Data, rows));
    }
}
