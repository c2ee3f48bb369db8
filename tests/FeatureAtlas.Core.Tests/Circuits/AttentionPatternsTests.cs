using System.Text.Json.Nodes;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Circuits;

/// <summary>Attention patterns and hook_z DFA on the tiny GPT-2 against tests/reference/make_circuits_golden.py ("attention"). Tolerance 1e-4.</summary>
public class AttentionPatternsTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const double Tolerance = 1e-4;

    private static readonly JsonNode Golden = JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("circuits_golden.json")))!["attention"]!;

    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    [Fact]
    public void Run_EveryLayerAndHead_MatchesPyTorch()
    {
        var patterns = AttentionPatterns.Run(Model, fixture.Checkpoint.TokenIds);
        var want = Golden["patterns"]!.AsArray();
        Assert.Equal(want.Count, patterns.Length);
        for (var l = 0; l < patterns.Length; l++)
        {
            Assert.Equal(Model.Config.Heads, patterns[l].Length);
            for (var h = 0; h < patterns[l].Length; h++)
            {
                for (var q = 0; q < patterns[l][h].Length; q++)
                {
                    for (var s = 0; s < patterns[l][h][q].Length; s++) Close((double)want[l]![h]![q]![s]!, patterns[l][h][q][s], $"L{l}H{h}[{q},{s}]");
                }
            }
        }
    }

    [Fact]
    public void Dfa_HookZFeatures_MatchPyTorchAndSumToTheLinearPreActivation()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory((string)Golden["dfa_sae"]!));
        foreach (var entry in Golden["dfa"]!.AsArray())
        {
            var feature = (int)entry!["feature"]!;
            var dfa = AttentionPatterns.Dfa(Model, sae, fixture.Checkpoint.TokenIds, feature);
            Assert.Equal((int)entry["target_index"]!, dfa.TargetIndex);
            Close((double)entry["activation"]!, dfa.Activation, $"feature {feature} activation");
            var values = entry["values"]!.AsArray();
            Assert.Equal(values.Count, dfa.Values.Length);
            for (var s = 0; s < values.Count; s++) Close((double)values[s]!, dfa.Values[s], $"feature {feature} source {s}");
            Assert.All(dfa.Values.Skip(dfa.TargetIndex + 1), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Dfa_SaeNotOnHookZ_NamesTheHook()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));
        var error = Assert.Throws<ArgumentException>(() => AttentionPatterns.Dfa(Model, sae, fixture.Checkpoint.TokenIds, 0));
        Assert.Contains("blocks.1.hook_resid_pre", error.Message);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
