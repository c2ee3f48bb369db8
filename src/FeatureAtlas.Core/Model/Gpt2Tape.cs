using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// A forward pass recorded for <see cref="Gpt2Model.Backward"/>: the tokens, the logits [B, T, V] and the
/// activations the backward pass reads (resid_pre, q, k, v, pattern, z, resid_mid and mlp.hook_pre of every
/// block, the last resid_post), plus any the caller cached. Made by <see cref="Gpt2Model.Record"/>.
/// </summary>
public sealed class Gpt2Tape
{
    internal Gpt2Tape(int[] tokens, int batch, Tensor logits, ActivationCache cache)
    {
        Tokens = tokens;
        Batch = batch;
        Logits = logits;
        Cache = cache;
    }

    public int[] Tokens { get; }

    public int Batch { get; }

    /// <summary>T, tokens per sequence.</summary>
    public int Length => Tokens.Length / Batch;

    public Tensor Logits { get; }                  // [B, T, V]

    public ActivationCache Cache { get; }
}
