using System.Text.Json.Nodes;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>config.json sizes whose products do not fit: reported with the field, never wrapped to a negative number.</summary>
public sealed class Gpt2ConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atlas-gpt2-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    // Issue 14: n_embd 10⁹ said "n_inner must be positive, found -294967296".
    [InlineData("""{"n_embd": 1000000000, "n_head": 1}""", "n_embd", "4,000,000,000")]
    [InlineData("""{"n_embd": 1000000000, "n_head": 1, "n_inner": 8}""", "3 × n_embd", "3,000,000,000")]
    [InlineData("""{"n_embd": 100000, "n_head": 1, "n_inner": 8}""", "vocab_size × n_embd", "5,025,700,000")]
    [InlineData("""{"n_positions": 100000000}""", "n_positions × n_embd", "76,800,000,000")]
    [InlineData("""{"n_embd": 40000, "n_head": 1, "n_inner": 8, "vocab_size": 8}""", "n_embd × 3·n_embd", "4,800,000,000")]
    [InlineData("""{"n_inner": 2000000000}""", "n_embd × n_inner", "1,536,000,000,000")]
    public void Load_SizesTooLargeForAWeight_NamesTheFieldAndTheSize(string patch, string field, string size)
    {
        var path = Write(patch);

        var error = Assert.Throws<InvalidDataException>(() => Gpt2Config.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(field, error.Message);
        Assert.Contains(size, error.Message);
        Assert.DoesNotMatch(@"[\s(=]-\d", error.Message);   // no wrapped-negative size
    }

    [Fact]
    public void Load_Gpt2SmallSizes_Succeeds()
    {
        var config = Gpt2Config.Load(Write("{}"));

        Assert.Equal(Gpt2Config.Gpt2Small, config);
    }

    /// <summary>GPT-2 small's config.json with <paramref name="patch"/>'s fields replaced.</summary>
    private string Write(string patch)
    {
        var json = Gpt2Config.Gpt2Small.ToJson();
        json.Remove("n_inner");
        foreach (var (key, value) in (JsonObject)JsonNode.Parse(patch)!) json[key] = value?.DeepClone();
        var path = Path.Combine(_folder, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
