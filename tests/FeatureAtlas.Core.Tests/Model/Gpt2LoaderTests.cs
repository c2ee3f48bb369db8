using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>The name and buffer variants real GPT-2 checkpoints come in, and clear errors for broken ones.</summary>
public class Gpt2LoaderTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Load_LmHeadModelLayoutWithBuffers_GivesTheSameLogits()
    {
        // GPT2LMHeadModel saves "transformer."-prefixed names, a tied lm_head.weight and attn.bias/masked_bias buffers.
        var dir = CopyModel(tensors =>
        {
            var result = tensors.Select(e => e with { Name = "transformer." + e.Name }).ToList();
            result.Add(tensors.Single(e => e.Name == "wte.weight") with { Name = "lm_head.weight" });
            for (var l = 0; l < 3; l++)
            {
                result.Add(new SafetensorsWriter.Entry($"transformer.h.{l}.attn.bias", [1, 1, 64, 64], new float[64 * 64]));
                result.Add(new SafetensorsWriter.Entry($"transformer.h.{l}.attn.masked_bias", [], new float[] { -1e4f }));
            }
            return result;
        });
        var model = Gpt2Model.Load(dir);
        var logits = model.Run(fixture.Checkpoint.TokenIds, 1, new() { LogitsLastPositionOnly = true }).Logits!;
        TestData.AssertClose(fixture.Golden("raw/logits_last"), logits.Data, 1e-4, "logits from the LM-head layout");
        Assert.Null(model.Weights.WU);   // the equal lm_head stays tied to wte
    }

    [Fact]
    public void Load_MissingTensor_NamesFileAndTensor()
    {
        var dir = CopyModel(tensors => tensors.Where(e => e.Name != "h.1.mlp.c_fc.bias").ToList());
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Model.Load(dir));
        Assert.Contains("h.1.mlp.c_fc.bias", error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void Load_TensorOfWrongShape_NamesExpectedAndFound()
    {
        var dir = CopyModel(tensors => tensors.Select(e => e.Name == "wpe.weight" ? e with { Shape = [32, 192] } : e).ToList());
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Model.Load(dir));
        Assert.Contains("wpe.weight", error.Message);
        Assert.Contains("[32, 192]", error.Message);
        Assert.Contains("[64, 96]", error.Message);
    }

    [Theory]
    [InlineData("\"activation_function\": \"relu\"", "activation_function")]
    [InlineData("\"n_head\": 5", "n_head")]
    [InlineData("\"n_embd\": \"wide\"", "n_embd")]
    public void Load_BadConfig_NamesTheField(string replacement, string field)
    {
        var dir = CopyModel(t => t);
        var configPath = Path.Combine(dir, "config.json");
        var key = replacement.Split(':')[0];
        var json = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(configPath), key + @"\s*:\s*(""[^""]*""|[0-9.e-]+)", replacement);
        File.WriteAllText(configPath, json);
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Model.Load(dir));
        Assert.Contains(field, error.Message);
        Assert.Contains("config.json", error.Message);
    }

    private string CopyModel(Func<List<SafetensorsWriter.Entry>, List<SafetensorsWriter.Entry>> edit)
    {
        var source = fixture.Checkpoint.ModelDirectory;
        var dir = Path.Combine(fixture.Checkpoint.Root, "variant-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        using var file = SafetensorsFile.Open(Path.Combine(source, "model.safetensors"));
        var tensors = file.Tensors.Keys.Select(name => new SafetensorsWriter.Entry(name, file.Get(name).Shape.Select(x => (int)x).ToArray(), file.ReadFloat32(name))).ToList();
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), edit(tensors));
        return dir;
    }
}
