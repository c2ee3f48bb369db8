using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>RunOptions.ResumeFrom: starting at a block from the run's own hook_resid_pre gives that run's logits, broadcast or per sequence.</summary>
public class Gpt2ResumeTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    [Fact]
    public void Run_ResumedFromEachLayersResidPre_GivesTheFullRunsLogits()
    {
        var tokens = fixture.Checkpoint.TokenIds;
        var layers = Model.Config.Layers;
        var names = Enumerable.Range(0, layers).Select(HookNames.ResidPre).ToArray();
        var full = Model.Run(tokens, 1, new RunOptions { Cache = names });
        for (var l = 0; l < layers; l++)
        {
            var resumed = Model.Run([.. tokens, .. tokens], 2, new RunOptions { ResumeFrom = new ResumePoint(l, full.Cache[names[l]].Data) }).Logits!.Data;
            var expected = full.Logits!.Data;
            for (var b = 0; b < 2; b++)
            {
                for (var i = 0; i < expected.Length; i += 97) Assert.Equal(expected[i], resumed[b * expected.Length + i], 1e-4f);
            }
        }
    }

    [Fact]
    public void Run_ResumeResidualOfTheWrongSize_NamesBothShapes()
    {
        var tokens = fixture.Checkpoint.TokenIds;
        var error = Assert.Throws<ArgumentException>(() => Model.Run(tokens, 1, new RunOptions { ResumeFrom = new ResumePoint(1, new float[5]) }));
        Assert.Contains("[T, D]", error.Message);
    }
}
