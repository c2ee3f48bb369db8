using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Sae;

/// <summary>
/// Checks an SAELens folder someone brings (uploaded on the site, or <c>atlas sae add</c>) against the model it is for,
/// before any job runs on it: cfg.json and sae_weights.safetensors present and readable (architecture, dtype, every
/// tensor's shape, through <see cref="SparseAutoencoder.Load"/>), a hook this model has and an SAE can read, d_in
/// equal to that hook's width, and no NaN or infinite weight. Each failure is one <see cref="InvalidDataException"/>
/// whose message says what was expected and what was found.
/// </summary>
public static class SaeUploadCheck
{
    /// <summary>The SAE in <paramref name="directory"/>, checked against <paramref name="model"/>; throws <see cref="InvalidDataException"/> on the first problem.</summary>
    public static SparseAutoencoder Check(string directory, Gpt2Config model)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(Path.Combine(directory, "cfg.json"))) throw new InvalidDataException("The SAE has no cfg.json: an SAELens folder holds cfg.json and sae_weights.safetensors.");
        if (!File.Exists(Path.Combine(directory, "sae_weights.safetensors")))
        {
            throw new InvalidDataException("The SAE has no sae_weights.safetensors: an SAELens folder holds cfg.json and sae_weights.safetensors.");
        }
        SparseAutoencoder sae;
        try
        {
            sae = SparseAutoencoder.Load(directory);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException or ArgumentException or EndOfStreamException or KeyNotFoundException)
        {
            throw new InvalidDataException(Relative(e.Message, directory), e);
        }
        var hook = sae.HookName;
        if (!HookNames.TryParse(hook, model.Layers, out _, out var kind))
        {
            throw new InvalidDataException($"cfg.json: hook_name \"{hook}\" is not a hook of this model ({model.Layers} layers; e.g. {HookNames.ResidPre(Math.Min(8, model.Layers - 1))}).");
        }
        var width = Width(kind, model) ?? throw new InvalidDataException($"cfg.json: hook_name \"{hook}\" is a hook an SAE cannot read (its values are not one vector per token).");
        if (sae.DIn != width) throw new InvalidDataException($"cfg.json: d_in is {sae.DIn}, but {hook} of this model is {width} wide.");
        var p = sae.Parameters;
        foreach (var (name, values) in new (string, float[]?)[] { ("W_enc", p.WEnc), ("W_dec", p.WDec), ("b_dec", p.BDec), ("b_enc", p.BEnc), ("threshold", p.Threshold), ("b_gate", p.BGate), ("r_mag", p.RMag), ("b_mag", p.BMag) })
        {
            if (values is null) continue;
            var bad = IndexOfNonFinite(values);
            if (bad >= 0) throw new InvalidDataException($"sae_weights.safetensors: {name} holds {values[bad]} at flat index {bad}; every weight must be finite.");
        }
        return sae;
    }

    /// <summary>The width of a hook kind's vector per token, or null for hooks an SAE cannot read (scales, attention scores and patterns).</summary>
    public static int? Width(string kind, Gpt2Config model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return kind switch
        {
            "mlp.hook_pre" or "mlp.hook_post" => model.DMlp,
            "attn.hook_pattern" or "attn.hook_attn_scores" or "attn.hook_result" or "ln1.hook_scale" or "ln2.hook_scale" or HookNames.FinalScale => null,
            _ => model.DModel,
        };
    }

    private static int IndexOfNonFinite(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>The message without the server's temporary folder (a user sees the file name, not where we keep it).</summary>
    private static string Relative(string message, string directory) =>
        message.Replace(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)
            .Replace(directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)
            .Replace(directory, "the SAE", StringComparison.Ordinal);
}
