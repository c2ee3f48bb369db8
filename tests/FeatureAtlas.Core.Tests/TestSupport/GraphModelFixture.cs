using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Core.Tests.TestSupport;

/// <summary>
/// The 4-block GPT-2 and its four transcoders (standard, skip, JumpReLU, TopK) of graph_spec.json, written to folders in
/// SAELens format and loaded through <see cref="Transcoder.Load"/>, with the autograd goldens of
/// tests/reference/make_graph_golden.py.
/// </summary>
public sealed class GraphModelFixture : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public GraphModelFixture()
    {
        Spec = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("graph_spec.json")))!;
        var model = Spec["model"]!.AsObject();
        ModelFolder = Path.Combine(_folder.Path, "graph-gpt2");
        Directory.CreateDirectory(ModelFolder);
        File.WriteAllText(Path.Combine(ModelFolder, "config.json"), model["config"]!.ToJsonString());
        SafetensorsWriter.Write(Path.Combine(ModelFolder, "model.safetensors"), Entries(model["tensors"]!.AsArray()));
        foreach (var tc in Spec["transcoders"]!.AsArray())
        {
            var folder = Path.Combine(_folder.Path, (string)tc!["name"]!);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "cfg.json"), tc["cfg"]!.ToJsonString());
            SafetensorsWriter.Write(Path.Combine(folder, "sae_weights.safetensors"), Entries(tc["tensors"]!.AsArray()));
            TranscoderFolders.Add(folder);
        }
        Goldens = SafetensorsFile.Open(global::FeatureAtlas.TestSupport.Golden.Path("graph_golden.safetensors"));
    }

    public JsonObject Spec { get; }

    public string ModelFolder { get; }

    public List<string> TranscoderFolders { get; } = [];

    internal SafetensorsFile Goldens { get; }

    public int[] TokenIds => Spec["token_ids"]!.AsArray().Select(t => (int)t!).ToArray();

    public Gpt2Model Load(string processing) => Gpt2Model.Load(ModelFolder, WeightProcessing.Parse(processing));

    public Transcoder[] LoadTranscoders() => TranscoderFolders.Select(Transcoder.Load).ToArray();

    public float[] Golden(string name) => Goldens.ReadFloat32(name);

    private static List<SafetensorsWriter.Entry> Entries(JsonArray tensors) => tensors.Select(e => new SafetensorsWriter.Entry((string)e!["name"]!,
        e["shape"]!.AsArray().Select(x => (int)x!).ToArray(), SyntheticCheckpoint.Generate((string)e["key"]!,
            e["shape"]!.AsArray().Aggregate(1, (a, x) => a * (int)x!), (float)(double)e["scale"]!, (float)(double)e["offset"]!))).ToList();

    public void Dispose()
    {
        Goldens.Dispose();
        _folder.Dispose();
    }
}
