using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Sae;

/// <summary>
/// Creates a randomly initialised SAE for a model's hook point, initialised as SAELens does: unit-norm random
/// decoder rows, W_enc = W_decᵀ, zero biases. Deterministic for a seed. <c>name</c> names the in-memory SAE
/// (several SAEs in one <see cref="Pipelines.InferenceSession"/> need distinct names).
/// </summary>
public static class SaeInitializer
{
    public static SparseAutoencoder Create(Gpt2Config model, string modelName, string hookName, int dSae, SaeArchitecture architecture, ulong seed, int k = 32, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dSae);
        var dIn = InputWidth(model, hookName);
        var wDec = new float[dSae * dIn];
        CounterRandom.FillNormal(wDec, CounterRandom.Stream(seed, "W_dec"), 1f);
        for (var i = 0; i < dSae; i++)
        {
            var row = wDec.AsSpan(i * dIn, dIn);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
        var wEnc = Gpt2Weights.Transpose(wDec, dSae, dIn);   // W_enc = W_decᵀ

        var json = new JsonObject
        {
            ["d_in"] = dIn,
            ["d_sae"] = dSae,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = true,
            ["normalize_activations"] = "none",
            ["reshape_activations"] = HookNames.IsZ(hookName) ? "hook_z" : "none",
            ["architecture"] = architecture switch
            {
                SaeArchitecture.JumpRelu => "jumprelu",
                SaeArchitecture.TopK => "topk",
                SaeArchitecture.Gated => "gated",
                _ => "standard",
            },
            ["metadata"] = new JsonObject
            {
                ["model_name"] = modelName,
                ["hook_name"] = hookName,
                ["hook_head_index"] = null,
                ["context_size"] = Math.Min(128, model.Positions),
                ["prepend_bos"] = true,
                ["model_from_pretrained_kwargs"] = new JsonObject(),
                ["sae_lens_version"] = "6.0.0",
            },
        };
        if (architecture == SaeArchitecture.TopK)
        {
            json["k"] = k;
            json["rescale_acts_by_decoder_norm"] = false;
        }
        var config = SaeConfig.Parse(json, "init-sae options");

        var parameters = new SaeParameters
        {
            WEnc = wEnc,
            WDec = wDec,
            BDec = new float[dIn],
            BEnc = architecture == SaeArchitecture.Gated ? null : new float[dSae],
            Threshold = architecture == SaeArchitecture.JumpRelu ? Enumerable.Repeat(1e-3f, dSae).ToArray() : null,
            BGate = architecture == SaeArchitecture.Gated ? new float[dSae] : null,
            RMag = architecture == SaeArchitecture.Gated ? new float[dSae] : null,
            BMag = architecture == SaeArchitecture.Gated ? new float[dSae] : null,
        };
        return SparseAutoencoder.FromParameters(config, parameters, name: name);
    }

    /// <summary>The width of the activation at <paramref name="hookName"/>: d_model, d_mlp, or H·Dh for hook_z.</summary>
    public static int InputWidth(Gpt2Config model, string hookName)
    {
        if (!HookNames.TryParse(hookName, model.Layers, out _, out var kind))
        {
            throw new ArgumentException($"'{hookName}' is not a hook point of this {model.Layers}-layer model (e.g. blocks.0.hook_resid_pre).");
        }
        return kind switch
        {
            "mlp.hook_pre" or "mlp.hook_post" => model.DMlp,
            "attn.hook_pattern" => throw new ArgumentException($"'{hookName}' holds attention patterns [H, T, T]; SAEs read per-token activations."),
            _ => model.DModel,
        };
    }
}
