using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Core.Tests.Transcoders;

/// <summary>Loading SAELens-format transcoders, and the one-line errors for files that do not fit.</summary>
public sealed class TranscoderTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    [Fact]
    public void Load_SpecFolders_ReadArchitecturesHooksAndSkip()
    {
        var all = fixture.LoadTranscoders();
        Assert.Equal([SaeArchitecture.Standard, SaeArchitecture.Standard, SaeArchitecture.JumpRelu, SaeArchitecture.TopK], all.Select(t => t.Architecture));
        Assert.Equal([false, true, false, false], all.Select(t => t.WSkip is not null));
        Assert.Equal("blocks.2.ln2.hook_normalized", all[2].HookNameIn);
        Assert.Equal("blocks.2.hook_mlp_out", all[2].HookNameOut);
        Assert.Equal(4, all[3].Encoder.Config.K);
        Assert.False(all[0].Encoder.Config.ApplyBDecToInput);
        foreach (var t in all) t.CheckFits(fixture.Load("raw").Config);
    }

    [Fact]
    public void Forward_SkipTranscoder_IsDecodePlusSkip()
    {
        var t = fixture.LoadTranscoders()[1];
        var x = TestData.Uniform(2 * t.DIn, seed: 5);
        var features = new float[2 * t.DSae];
        var output = new float[2 * t.DIn];
        t.Forward(x, 2, features, output);
        var p = t.Encoder.Parameters;
        for (var r = 0; r < 2; r++)
        {
            for (var j = 0; j < t.DIn; j++)
            {
                double expected = p.BDec[j];
                for (var i = 0; i < t.DSae; i++)
                {
                    double h = p.BEnc![i];
                    for (var k = 0; k < t.DIn; k++) h += x[r * t.DIn + k] * p.WEnc[k * t.DSae + i];
                    expected += Math.Max(h, 0) * p.WDec[i * t.DIn + j];
                }
                for (var k = 0; k < t.DIn; k++) expected += t.WSkip![j * t.DIn + k] * x[r * t.DIn + k];
                Assert.True(Math.Abs(expected - output[r * t.DIn + j]) <= 1e-4, $"row {r} column {j}: {output[r * t.DIn + j]}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData("hook_name_out", null, "missing field hook_name_out (the output hook, e.g. blocks.0.hook_mlp_out); without it this is an SAE, not a transcoder.")]
    [InlineData("architecture", "gated", "architecture: expected transcoder, skip_transcoder, jumprelu_transcoder or topk_transcoder, found \"gated\".")]
    [InlineData("d_out", 12, "d_out is 12 but d_in is 24; a GPT-2 MLP transcoder reads and writes d_model, so they must be equal.")]
    [InlineData("apply_b_dec_to_input", true, "apply_b_dec_to_input is true, but a transcoder's b_dec is in the output space; expected false.")]
    public void Load_BadConfigField_NamesFileAndField(string field, object? value, string message)
    {
        using var folder = Copy(0, cfg => cfg[field] = value is null ? null : JsonValue.Create(value));
        if (value is null) File.WriteAllText(Path.Combine(folder.Path, "cfg.json"), Edit(0, cfg => cfg.Remove(field)).ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => Transcoder.Load(folder.Path));
        Assert.Equal($"{Path.Combine(folder.Path, "cfg.json")}: {message}", e.Message);
    }

    [Fact]
    public void Load_SkipTranscoderWithoutWSkip_NamesTheTensor()
    {
        using var folder = Copy(0, cfg => cfg["architecture"] = "skip_transcoder");
        var e = Assert.Throws<InvalidDataException>(() => Transcoder.Load(folder.Path));
        Assert.Equal($"{Path.Combine(folder.Path, "sae_weights.safetensors")}: tensor 'W_skip' is missing; architecture skip_transcoder needs it.", e.Message);
    }

    [Theory]
    [InlineData("blocks.0.hook_resid_pre", "blocks.0.hook_mlp_out", "hook_name is blocks.0.hook_resid_pre; expected blocks.L.ln2.hook_normalized (the MLP input).")]
    [InlineData("blocks.0.ln2.hook_normalized", "blocks.1.hook_mlp_out", "hook_name reads block 0 but hook_name_out writes block 1; a per-layer transcoder replaces one MLP.")]
    [InlineData("blocks.4.ln2.hook_normalized", "blocks.4.hook_mlp_out", "hook_name_out blocks.4.hook_mlp_out names block 4, but the model has 4 blocks (0..3).")]
    public void CheckFits_WrongHooks_NamesTheField(string hookIn, string hookOut, string message)
    {
        using var folder = Copy(0, cfg =>
        {
            cfg["metadata"]!["hook_name"] = hookIn;
            cfg["hook_name_out"] = hookOut;
        });
        var t = Transcoder.Load(folder.Path);
        var e = Assert.Throws<InvalidDataException>(() => t.CheckFits(fixture.Load("raw").Config));
        Assert.Equal($"Transcoder '{Path.GetFileName(folder.Path)}': {message}", e.Message);
    }

    private JsonObject Edit(int index, Action<JsonObject> edit)
    {
        var cfg = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.TranscoderFolders[index], "cfg.json")))!;
        edit(cfg);
        return cfg;
    }

    private TemporaryDirectory Copy(int index, Action<JsonObject> edit)
    {
        var folder = new TemporaryDirectory();
        File.Copy(Path.Combine(fixture.TranscoderFolders[index], "sae_weights.safetensors"), Path.Combine(folder.Path, "sae_weights.safetensors"));
        File.WriteAllText(Path.Combine(folder.Path, "cfg.json"), Edit(index, edit).ToJsonString());
        return folder;
    }
}
