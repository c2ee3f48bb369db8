using FeatureAtlas.Core.IO;

namespace FeatureAtlas.TestSupport;

/// <summary>
/// A copy of a GPT-2 folder whose block-0 MLP weights are scaled by 10³⁰, as a fuzzed or badly converted checkpoint
/// might be: blocks.0.hook_resid_pre stays finite, the MLP's output (and so everything after it) overflows float32
/// to Infinity or NaN. The first non-finite hook point is blocks.0.hook_mlp_out.
/// </summary>
public static class OverflowingModel
{
    public static string Write(string sourceModel, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(sourceModel)) File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        var weights = Path.Combine(destination, "model.safetensors");
        List<SafetensorsWriter.Entry> tensors;
        using (var file = SafetensorsFile.Open(weights))
        {
            tensors = file.Tensors.Keys.Select(name =>
            {
                var data = file.ReadFloat32(name);
                if (name.EndsWith("h.0.mlp.c_fc.weight", StringComparison.Ordinal) || name.EndsWith("h.0.mlp.c_proj.weight", StringComparison.Ordinal))
                {
                    for (var i = 0; i < data.Length; i++) data[i] *= 1e30f;
                }
                return new SafetensorsWriter.Entry(name, file.Get(name).Shape.Select(x => (int)x).ToArray(), data);
            }).ToList();
        }
        SafetensorsWriter.Write(weights, tensors);
        return destination;
    }
}
