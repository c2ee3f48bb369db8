using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// Writes a randomly initialised GPT-2 in the Hugging Face layout (config.json + model.safetensors), with
/// GPT-2's initialisation (Hugging Face _init_weights): weights N(0, 0.02²), residual projections
/// (attn.c_proj, mlp.c_proj) N(0, (0.02/√(2·n_layer))²), biases 0, layer norms γ = 1, β = 0.
/// Deterministic for a seed; used by benchmarks, tests and the demo.
/// </summary>
public static class Gpt2Initializer
{
    private const float InitializerRange = 0.02f;

    public static void Write(string directory, Gpt2Config config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate("init-model options");
        System.IO.Directory.CreateDirectory(directory);
        int d = config.DModel, f = config.DMlp;
        var projectionStd = InitializerRange / MathF.Sqrt(2 * config.Layers);

        var tensors = new List<(string Name, int[] Shape, float Std, float Constant)>
        {
            ("wte.weight", [config.Vocab, d], InitializerRange, 0f),
            ("wpe.weight", [config.Positions, d], InitializerRange, 0f),
        };
        for (var l = 0; l < config.Layers; l++)
        {
            var h = $"h.{l}.";
            tensors.AddRange(
            [
                (h + "ln_1.weight", [d], 0f, 1f), (h + "ln_1.bias", [d], 0f, 0f),
                (h + "attn.c_attn.weight", [d, 3 * d], InitializerRange, 0f), (h + "attn.c_attn.bias", [3 * d], 0f, 0f),
                (h + "attn.c_proj.weight", [d, d], projectionStd, 0f), (h + "attn.c_proj.bias", [d], 0f, 0f),
                (h + "ln_2.weight", [d], 0f, 1f), (h + "ln_2.bias", [d], 0f, 0f),
                (h + "mlp.c_fc.weight", [d, f], InitializerRange, 0f), (h + "mlp.c_fc.bias", [f], 0f, 0f),
                (h + "mlp.c_proj.weight", [f, d], projectionStd, 0f), (h + "mlp.c_proj.bias", [d], 0f, 0f),
            ]);
        }
        tensors.Add(("ln_f.weight", [d], 0f, 1f));
        tensors.Add(("ln_f.bias", [d], 0f, 0f));

        var entries = new SafetensorsWriter.Entry[tensors.Count];
        Parallel.For(0, tensors.Count, i =>
        {
            var (name, shape, std, constant) = tensors[i];
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            if (std > 0) CounterRandom.FillNormal(data, CounterRandom.Stream(seed, name), std);
            else Array.Fill(data, constant);
            entries[i] = new SafetensorsWriter.Entry(name, shape, data);
        });

        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), entries,
            new Dictionary<string, string> { ["format"] = "pt", ["created_by"] = $"atlas init-model --seed {seed}" });
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
