using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Tests.TestSupport;

/// <summary>
/// The odd-shaped GPT-2 of backward_spec.json (d_model 24, 3 heads, d_mlp 40, 3 layers, vocab 37), rebuilt from the
/// splitmix64 generator, and the autograd goldens of tests/reference/make_backward_golden.py.
/// </summary>
public sealed class BackwardModelFixture : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public BackwardModelFixture()
    {
        Spec = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("backward_spec.json")))!;
        var model = Spec["model"]!.AsObject();
        File.WriteAllText(Path.Combine(_folder.Path, "config.json"), model["config"]!.ToJsonString());
        var tensors = model["tensors"]!.AsArray().Select(e => new SafetensorsWriter.Entry((string)e!["name"]!,
            e["shape"]!.AsArray().Select(x => (int)x!).ToArray(), Generate(e.AsObject()))).ToList();
        SafetensorsWriter.Write(Path.Combine(_folder.Path, "model.safetensors"), tensors);
        Goldens = SafetensorsFile.Open(global::FeatureAtlas.TestSupport.Golden.Path("backward_golden.safetensors"));
    }

    public JsonObject Spec { get; }

    internal SafetensorsFile Goldens { get; }

    public int[] TokenIds => Spec["token_ids"]!.AsArray().Select(t => (int)t!).ToArray();

    public int Target => (int)Spec["target"]!;

    public int Distractor => (int)Spec["distractor"]!;

    /// <summary>G [T, V] of the dense metric Σ G ⊙ logits.</summary>
    public float[] MetricWeights => Generate(Spec["metric"]!.AsObject());

    public Gpt2Model Load(string processing) => Gpt2Model.Load(_folder.Path, WeightProcessing.Parse(processing));

    public float[] Golden(string name) => Goldens.ReadFloat32(name);

    public bool HasGolden(string name) => Goldens.Contains(name);

    public long[] GoldenShape(string name) => Goldens.Get(name).Shape;

    private static float[] Generate(JsonObject entry) => SyntheticCheckpoint.Generate((string)entry["key"]!,
        entry["shape"]!.AsArray().Aggregate(1, (a, x) => a * (int)x!), (float)(double)entry["scale"]!, (float)(double)entry["offset"]!);

    public void Dispose()
    {
        Goldens.Dispose();
        _folder.Dispose();
    }
}
