using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas init-model</c>: reproducible random GPT-2 folders with Hugging Face's GPT-2 initialisation
/// (GPT2PreTrainedModel._init_weights: N(0, 0.02²), c_proj weights N(0, (0.02/√(2·n_layer))²), zero biases, unit LN gains).
/// </summary>
[Collection(CliCollection.Name)]
public class InitModelCommandTests
{
    private const int Layers = 2;

    [Fact]
    public void InitModel_SameSeedTwice_WritesIdenticalBytesAndAnotherSeedDiffers()
    {
        using var temp = new TemporaryDirectory();
        var first = InitModel(temp.Combine("first"), seed: 7);
        var second = InitModel(temp.Combine("second"), seed: 7);
        var otherSeed = InitModel(temp.Combine("other"), seed: 8);

        var bytes = File.ReadAllBytes(Path.Combine(first, "model.safetensors"));
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(second, "model.safetensors")));
        using var a = SafetensorsFile.Open(Path.Combine(first, "model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(otherSeed, "model.safetensors"));
        Assert.NotEqual(a.ReadFloat32("wte.weight"), b.ReadFloat32("wte.weight"));
        Assert.NotEqual(a.ReadFloat32("h.1.mlp.c_proj.weight"), b.ReadFloat32("h.1.mlp.c_proj.weight"));
    }

    [Fact]
    public void InitModel_Options_WriteAConfigWithThoseNumbers()
    {
        using var temp = new TemporaryDirectory();
        var config = Gpt2Config.Load(Path.Combine(InitModel(temp.Combine("model"), seed: 7), "config.json"));

        Assert.Equal(Layers, config.Layers);
        Assert.Equal(64, config.DModel);
        Assert.Equal(4, config.Heads);
        Assert.Equal(1000, config.Vocab);
        Assert.Equal(32, config.Positions);
        Assert.Equal(4 * 64, config.DMlp);
    }

    [Fact]
    public void InitModel_Parameters_FollowGpt2Initialisation()
    {
        using var temp = new TemporaryDirectory();
        using var file = SafetensorsFile.Open(Path.Combine(InitModel(temp.Combine("model"), seed: 7), "model.safetensors"));
        var residualStd = 0.02 / Math.Sqrt(2 * Layers);

        AssertNormal(file, "wte.weight", 0.02);
        AssertNormal(file, "wpe.weight", 0.02);
        for (var l = 0; l < Layers; l++)
        {
            AssertNormal(file, $"h.{l}.attn.c_attn.weight", 0.02);
            AssertNormal(file, $"h.{l}.mlp.c_fc.weight", 0.02);
            AssertNormal(file, $"h.{l}.attn.c_proj.weight", residualStd);
            AssertNormal(file, $"h.{l}.mlp.c_proj.weight", residualStd);
        }
        foreach (var name in file.Tensors.Keys)
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) Assert.All(file.ReadFloat32(name), v => Assert.Equal(0f, v));
            if (name.StartsWith("ln_", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal))
            {
                if (name.EndsWith(".weight", StringComparison.Ordinal)) Assert.All(file.ReadFloat32(name), v => Assert.Equal(1f, v));
            }
        }
        Assert.Contains("ln_f.weight", file.Tensors.Keys);
        Assert.Contains("h.1.ln_2.bias", file.Tensors.Keys);
    }

    [Fact]
    public void InitModel_HeadsNotDividingDModel_ExitsTwo()
    {
        using var temp = new TemporaryDirectory();
        var result = CliRunner.Run("init-model", "--out", temp.Combine("model"), "--layers", "2", "--d-model", "64", "--heads", "5");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error:", result.ErrorLines.Single());
        Assert.False(File.Exists(temp.Combine("model", "model.safetensors")));
    }

    private static string InitModel(string directory, ulong seed)
    {
        var result = CliRunner.Run("init-model", "--out", directory, "--layers", $"{Layers}", "--d-model", "64", "--heads", "4",
            "--vocab", "1000", "--ctx", "32", "--seed", $"{seed}");
        Assert.True(result.ExitCode == 0, result.ToString());
        return directory;
    }

    /// <summary>Sample mean ≈ 0 and standard deviation within 5% of <paramref name="std"/> (thousands of samples: ~1% noise).</summary>
    private static void AssertNormal(SafetensorsFile file, string name, double std)
    {
        var values = file.ReadFloat32(name);
        var mean = values.Average(v => (double)v);
        var sampleStd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.True(Math.Abs(sampleStd - std) <= 0.05 * std, $"{name}: std {sampleStd:G4}, expected {std:G4} ± 5%.");
        Assert.True(Math.Abs(mean) <= 0.05 * std, $"{name}: mean {mean:G4}, expected ≈ 0.");
    }
}
