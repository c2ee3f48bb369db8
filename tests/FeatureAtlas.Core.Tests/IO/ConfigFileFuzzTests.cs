using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.IO;

/// <summary>
/// config.json and cfg.json with random fields set to hostile values (sizes that overflow int, negative and zero
/// sizes, wrong types, unknown activations, k in the wrong place; issue 14's cases among them): loading either works
/// and gives a model or SAE that runs, or raises <see cref="InvalidDataException"/> naming the file. Anything else
/// (an overflow, a cast error, a negative array size) is a bug.
/// </summary>
public sealed class ConfigFileFuzzTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Mutations = 100;

    /// <summary>JSON texts; "-" removes the field.</summary>
    private static readonly string[] Values =
    [
        "0", "-1", "1", "7", "1000000000", "2147483647", "2147483648", "-2147483648", "1e30", "1.5", "\"x\"", "\"\"", "true", "[]", "{}",
        "\"topk\"", "\"relu\"", "\"tanh-relu\"", "\"jumprelu\"", "\"gated\"", "\"standard\"", "\"gpt2\"", "\"gelu_new\"",
        """{"k": 7}""", """{"k": 0}""", """{"k": "8"}""", """{"k": 1e9}""", "null", "-",
    ];

    /// <summary>Fields the mutator also adds when absent: where issue 14's accepted-silently settings live.</summary>
    private static readonly string[] Extra = ["k", "activation_fn", "activation_fn_str", "activation_fn_kwargs", "architecture", "n_inner", "n_embd", "d_sae", "d_in", "model_type"];

    [Fact]
    public void Gpt2ModelLoad_RandomlyMutatedConfig_RunsOrThrowsInvalidDataNamingTheFolder()
    {
        using var temp = new TemporaryDirectory();
        var source = fixture.Checkpoint.ModelDirectory;
        var original = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!;
        var random = new Random(14);
        int loaded = 0, rejected = 0;
        for (var i = 0; i < Mutations; i++)
        {
            var dir = temp.CopyFolder(source, $"model-{i}");
            File.WriteAllText(Path.Combine(dir, "config.json"), Mutate(original, random).ToJsonString());
            try
            {
                var model = Gpt2Model.Load(dir);
                model.Run([0], 1, new RunOptions { LogitsLastPositionOnly = true });
                loaded++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(dir, e.Message);
                rejected++;
            }
            Directory.Delete(dir, recursive: true);
        }
        Assert.True(rejected > Mutations / 4, $"only {rejected} of {Mutations} mutants were rejected ({loaded} loaded)");
    }

    [Theory]
    [InlineData("standard-resid-pre-1")]
    [InlineData("topk-mlp-out-0")]
    [InlineData("jumprelu-resid-post-2")]
    public void SaeLoad_RandomlyMutatedCfg_EncodesOrThrowsInvalidDataNamingTheFolder(string sae)
    {
        using var temp = new TemporaryDirectory();
        var source = fixture.Checkpoint.SaeDirectory(sae);
        var original = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(source, "cfg.json")))!;
        var random = new Random(sae.Length);
        int loaded = 0, rejected = 0;
        for (var i = 0; i < Mutations; i++)
        {
            var dir = temp.CopyFolder(source, $"sae-{i}");
            File.WriteAllText(Path.Combine(dir, "cfg.json"), Mutate(original, random).ToJsonString());
            try
            {
                var loadedSae = SparseAutoencoder.Load(dir);
                Assert.InRange(loadedSae.DIn, 1, int.MaxValue);
                if (loadedSae.Config.Architecture == SaeArchitecture.TopK) Assert.InRange(loadedSae.Config.K, 1, loadedSae.DSae);
                loadedSae.Encode(new float[2 * loadedSae.DIn], 2);
                loaded++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(dir, e.Message);
                rejected++;
            }
            Directory.Delete(dir, recursive: true);
        }
        Assert.True(rejected > Mutations / 4, $"only {rejected} of {Mutations} mutants were rejected ({loaded} loaded)");
    }

    /// <summary>One to three fields (top level or under metadata) set to a hostile value, or removed.</summary>
    private static JsonObject Mutate(JsonObject original, Random random)
    {
        var copy = (JsonObject)original.DeepClone();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var target = copy["metadata"] is JsonObject metadata && random.Next(4) == 0 ? metadata : copy;
            var keys = target.Select(p => p.Key).ToList();
            var key = random.Next(3) == 0 || keys.Count == 0 ? Extra[random.Next(Extra.Length)] : keys[random.Next(keys.Count)];
            var value = Values[random.Next(Values.Length)];
            if (value == "-") target.Remove(key);
            else target[key] = JsonNode.Parse(value);
        }
        return copy;
    }
}
