using System.Globalization;

namespace FeatureAtlas.Core.Hooks;

/// <summary>
/// TransformerLens hook-point names for GPT-2, built in one place so every layer of FeatureAtlas spells them
/// the same way: <c>blocks.3.hook_resid_pre</c>, <c>blocks.3.attn.hook_z</c>, <c>ln_final.hook_normalized</c>.
/// </summary>
public static class HookNames
{
    public const string Embed = "hook_embed";
    public const string PosEmbed = "hook_pos_embed";
    public const string FinalNormalized = "ln_final.hook_normalized";
    public const string FinalScale = "ln_final.hook_scale";

    public static string ResidPre(int layer) => Block(layer, "hook_resid_pre");
    public static string ResidMid(int layer) => Block(layer, "hook_resid_mid");
    public static string ResidPost(int layer) => Block(layer, "hook_resid_post");
    public static string AttnOut(int layer) => Block(layer, "hook_attn_out");
    public static string MlpOut(int layer) => Block(layer, "hook_mlp_out");
    public static string Q(int layer) => Block(layer, "attn.hook_q");
    public static string K(int layer) => Block(layer, "attn.hook_k");
    public static string V(int layer) => Block(layer, "attn.hook_v");
    public static string Z(int layer) => Block(layer, "attn.hook_z");
    public static string Pattern(int layer) => Block(layer, "attn.hook_pattern");
    public static string MlpPre(int layer) => Block(layer, "mlp.hook_pre");
    public static string MlpPost(int layer) => Block(layer, "mlp.hook_post");
    public static string AttnScores(int layer) => Block(layer, "attn.hook_attn_scores");
    public static string Result(int layer) => Block(layer, "attn.hook_result");
    public static string Ln1Scale(int layer) => Block(layer, "ln1.hook_scale");
    public static string Ln1Normalized(int layer) => Block(layer, "ln1.hook_normalized");
    public static string Ln2Scale(int layer) => Block(layer, "ln2.hook_scale");
    public static string Ln2Normalized(int layer) => Block(layer, "ln2.hook_normalized");

    /// <summary>
    /// The per-block hook kinds, in the order the forward pass reaches them. <c>ln*.hook_normalized</c> is the
    /// centred, scaled value before gain and bias (as <see cref="FinalNormalized"/>), <c>ln*.hook_scale</c> is
    /// √(σ² + ε) [B, T, 1], <c>attn.hook_attn_scores</c> is q·k/√Dh with −∞ above the diagonal [B, H, T, T], and
    /// <c>attn.hook_result</c> is each head's output z_h·W_O[h] without b_O [B, T, H, D] (TransformerLens's
    /// use_attn_result; computed only when asked for, and then hook_attn_out is its sum over heads plus b_O).
    /// </summary>
    public static readonly IReadOnlyList<string> BlockKinds =
    [
        "hook_resid_pre", "ln1.hook_scale", "ln1.hook_normalized", "attn.hook_q", "attn.hook_k", "attn.hook_v",
        "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "attn.hook_result", "hook_attn_out", "hook_resid_mid",
        "ln2.hook_scale", "ln2.hook_normalized", "mlp.hook_pre", "mlp.hook_post", "hook_mlp_out", "hook_resid_post",
    ];

    /// <summary>Every hook point of a model with <paramref name="layers"/> blocks, in forward order.</summary>
    public static IEnumerable<string> All(int layers)
    {
        yield return Embed;
        yield return PosEmbed;
        for (var l = 0; l < layers; l++)
        {
            foreach (var kind in BlockKinds) yield return Block(l, kind);
        }
        yield return FinalScale;
        yield return FinalNormalized;
    }

    /// <summary>
    /// Splits a hook name into its block index and kind; embeddings are layer −1 and ln_final is layer
    /// <paramref name="layers"/>. Returns false for a name this model has no hook for.
    /// </summary>
    public static bool TryParse(string name, int layers, out int layer, out string kind)
    {
        layer = -1;
        kind = name;
        if (name is Embed or PosEmbed) return true;
        if (name is FinalNormalized or FinalScale)
        {
            layer = layers;
            return true;
        }
        if (!name.StartsWith("blocks.", StringComparison.Ordinal)) return false;
        var dot = name.IndexOf('.', 7);
        if (dot < 0 || !int.TryParse(name.AsSpan(7, dot - 7), NumberStyles.None, CultureInfo.InvariantCulture, out layer)) return false;
        kind = name[(dot + 1)..];
        return layer >= 0 && layer < layers && BlockKinds.Contains(kind);
    }

    /// <summary>
    /// The block index of a hook name (<c>blocks.N.…</c>), whatever the model; −1 for names outside the blocks
    /// (embeddings, ln_final) and for any other text.
    /// </summary>
    public static int LayerOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith(BlockPrefix, StringComparison.Ordinal)) return -1;
        var rest = name.AsSpan(BlockPrefix.Length);
        var dot = rest.IndexOf('.');
        return int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var layer) ? layer : -1;
    }

    /// <summary>
    /// The kind of a hook name: what follows <c>blocks.N.</c> (<c>hook_resid_pre</c>, <c>attn.hook_z</c>), or the whole
    /// name for hooks outside the blocks (<see cref="Embed"/>, <see cref="FinalNormalized"/>).
    /// </summary>
    public static string KindOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (LayerOf(name) < 0) return name;
        var dot = name.IndexOf('.', BlockPrefix.Length);
        return dot < 0 ? "" : name[(dot + 1)..];
    }

    /// <summary>Whether the hook is an attention layer's <c>hook_z</c> [B, T, H, Dh], which SAELens SAEs read flattened to H·Dh.</summary>
    public static bool IsZ(string name) => KindOf(name) == "attn.hook_z";

    private const string BlockPrefix = "blocks.";

    /// <summary>The hook of <paramref name="kind"/> (one of <see cref="BlockKinds"/>) in block <paramref name="layer"/>.</summary>
    public static string Block(int layer, string kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        return string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.{kind}");
    }
}
