using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.TestSupport;

/// <summary>
/// Rebuilds the small checkpoints described by tests/reference/golden/tiny_spec.json bit for bit as
/// tests/reference/synthetic.py does (splitmix64-v1), so the golden outputs need no committed weights.
/// Writes a Hugging Face GPT-2 folder and one SAELens folder per SAE under a temporary directory.
/// </summary>
public sealed class SyntheticCheckpoint : IDisposable
{
    private SyntheticCheckpoint(string root, JsonObject spec)
    {
        Root = root;
        Spec = spec;
    }

    public string Root { get; }

    public JsonObject Spec { get; }

    public string ModelDirectory => Path.Combine(Root, "tiny-gpt2");

    public string SaeDirectory(string name) => Path.Combine(Root, "saes", name);

    public IEnumerable<string> SaeNames => Spec["saes"]!.AsArray().Select(s => (string)s!["name"]!);

    public int[] TokenIds => Spec["token_ids"]!.AsArray().Select(t => (int)t!).ToArray();

    /// <summary>The per-tensor float64 sums the Python side recorded, to catch a generator mismatch first.</summary>
    public Dictionary<string, float> GeneratedSums { get; } = new();

    public static SyntheticCheckpoint Create()
    {
        var spec = (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("tiny_spec.json")))!;
        Assert.Equal("splitmix64-v1", (string?)spec["generator"]);
        var root = Directory.CreateTempSubdirectory("atlas-tiny-").FullName;
        var checkpoint = new SyntheticCheckpoint(root, spec);

        var model = spec["model"]!.AsObject();
        Directory.CreateDirectory(checkpoint.ModelDirectory);
        File.WriteAllText(Path.Combine(checkpoint.ModelDirectory, "config.json"), model["config"]!.ToJsonString());
        checkpoint.WriteTensors(Path.Combine(checkpoint.ModelDirectory, "model.safetensors"), model["tensors"]!.AsArray());

        foreach (var sae in spec["saes"]!.AsArray())
        {
            var dir = checkpoint.SaeDirectory((string)sae!["name"]!);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cfg.json"), sae["cfg"]!.ToJsonString());
            checkpoint.WriteTensors(Path.Combine(dir, "sae_weights.safetensors"), sae["tensors"]!.AsArray());
        }
        return checkpoint;
    }

    private void WriteTensors(string path, JsonArray entries)
    {
        var tensors = new List<SafetensorsWriter.Entry>();
        foreach (var entry in entries)
        {
            var shape = entry!["shape"]!.AsArray().Select(d => (int)d!).ToArray();
            var key = (string)entry["key"]!;
            var data = Generate(key, shape.Aggregate(1, (a, b) => a * b), (float)(double)entry["scale"]!, (float)(double)entry["offset"]!);
            GeneratedSums[key] = (float)data.Sum(x => (double)x);
            tensors.Add(new SafetensorsWriter.Entry((string)entry["name"]!, shape, data));
        }
        SafetensorsWriter.Write(path, tensors);
    }

    /// <summary>splitmix64-v1: counter-based splitmix64 keyed by FNV-1a 64 of the key; u = (z &gt;&gt; 40)/2²³ − 1.</summary>
    public static float[] Generate(string key, int count, float scale, float offset)
    {
        var k = 0xcbf29ce484222325UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            k ^= b;
            k *= 0x100000001b3UL;
        }
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            var z = unchecked(k + (ulong)(i + 1) * 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            var u = (float)((z >> 40) / 8388608.0 - 1.0);
            var product = scale * u;
            data[i] = offset + product;
        }
        return data;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
