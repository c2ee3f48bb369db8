using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// Multi-head causal self-attention on q, k, v laid out [B·T, H·Dh] (head-major columns, as GPT-2's c_attn
/// produces them): pattern = softmax(q·kᵀ/√Dh) over keys j ≤ i, z = pattern·v, z laid out like q.
/// Work is split over (sequence, head) pairs. It runs in one fused pass per query row, or in two
/// (<see cref="ComputePattern"/>, then <see cref="ApplyPattern"/>) when a caller must read or edit the
/// pattern in between (TransformerLens's <c>hook_pattern</c>).
/// </summary>
public static unsafe class CausalAttention
{
    /// <summary>Fused attention: z [B·T, H·Dh] from q, k, v [B·T, H·Dh]; no pattern is kept.</summary>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int heads, int headDim, Span<float> z)
        => Run(q, k, v, batch, tokens, heads, headDim, z, default, Phase.Fused);

    /// <summary>Phase one: pattern [B, H, T, T] (zero above the diagonal) from q and k.</summary>
    public static void ComputePattern(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int batch, int tokens, int heads, int headDim, Span<float> pattern)
        => Run(q, k, default, batch, tokens, heads, headDim, default, pattern, Phase.Pattern);

    /// <summary>Phase two: z [B·T, H·Dh] = pattern · v.</summary>
    public static void ApplyPattern(ReadOnlySpan<float> pattern, ReadOnlySpan<float> v, int batch, int tokens, int heads, int headDim, Span<float> z)
        => Run(default, default, v, batch, tokens, heads, headDim, z, pattern, Phase.Apply);

    private enum Phase { Fused, Pattern, Apply }

    private struct Job
    {
        public float* Q, K, V, Z, Pattern;
        public int Tokens, Heads, HeadDim;
        public Phase Phase;
    }

    private static void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int heads, int headDim,
        Span<float> z, ReadOnlySpan<float> pattern, Phase phase)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        long activations = (long)batch * tokens * heads * headDim;
        long patternSize = (long)batch * heads * tokens * tokens;
        if (phase != Phase.Apply && (q.Length < activations || k.Length < activations)) throw new ArgumentException($"q and k need {activations} elements.");
        if (phase != Phase.Pattern && (v.Length < activations || z.Length < activations)) throw new ArgumentException($"v and z need {activations} elements.");
        if (phase != Phase.Fused && pattern.Length < patternSize) throw new ArgumentException($"pattern needs [B, H, T, T] = {patternSize} elements.", nameof(pattern));

        fixed (float* pq = q)
        fixed (float* pk = k)
        fixed (float* pv = v)
        fixed (float* pz = z)
        fixed (float* pp = pattern)
        {
            var job = new Job { Q = pq, K = pk, V = pv, Z = pz, Pattern = pp, Tokens = tokens, Heads = heads, HeadDim = headDim, Phase = phase };
            WorkerPool.For(batch * heads, &RunHead, (nint)(&job));
        }
    }

    private static void RunHead(nint context, int index)
    {
        ref var job = ref Unsafe.AsRef<Job>((void*)context);
        int t = job.Tokens, dh = job.HeadDim, width = job.Heads * dh;
        var b = index / job.Heads;
        var h = index % job.Heads;
        var scale = 1f / MathF.Sqrt(dh);
        var rowBase = (long)b * t * width + h * dh;
        var patternBase = job.Pattern + (long)index * t * t;
        var scratch = job.Phase == Phase.Fused ? stackalloc float[t] : default;

        for (var i = 0; i < t; i++)
        {
            Span<float> probabilities = job.Phase == Phase.Fused ? scratch[..(i + 1)] : new Span<float>(patternBase + (long)i * t, t);
            if (job.Phase != Phase.Apply)
            {
                var query = new ReadOnlySpan<float>(job.Q + rowBase + (long)i * width, dh);
                for (var j = 0; j <= i; j++)
                {
                    probabilities[j] = TensorPrimitives.Dot(query, new ReadOnlySpan<float>(job.K + rowBase + (long)j * width, dh)) * scale;
                }
                Softmax.Row(probabilities[..(i + 1)], probabilities);
                if (job.Phase == Phase.Pattern)
                {
                    probabilities[(i + 1)..].Clear();
                    continue;
                }
            }

            var output = new Span<float>(job.Z + rowBase + (long)i * width, dh);
            output.Clear();
            for (var j = 0; j <= i; j++)
            {
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(job.V + rowBase + (long)j * width, dh), probabilities[j], output, output);
            }
        }
    }

    /// <summary>Double-precision twin computing z and the pattern by the definition; tests only.</summary>
    internal static void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int heads, int headDim,
        Span<float> z, Span<float> pattern)
    {
        var width = heads * headDim;
        var scores = new double[tokens];
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < tokens; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (var j = 0; j <= i; j++)
            {
                double dot = 0;
                for (var d = 0; d < headDim; d++) dot += (double)q[(b * tokens + i) * width + h * headDim + d] * k[(b * tokens + j) * width + h * headDim + d];
                scores[j] = dot / Math.Sqrt(headDim);
                max = Math.Max(max, scores[j]);
            }
            for (var j = 0; j <= i; j++) sum += scores[j] = Math.Exp(scores[j] - max);
            for (var j = 0; j < tokens; j++) pattern[((b * heads + h) * tokens + i) * tokens + j] = j <= i ? (float)(scores[j] / sum) : 0f;
            for (var d = 0; d < headDim; d++)
            {
                double acc = 0;
                for (var j = 0; j <= i; j++) acc += scores[j] / sum * v[(b * tokens + j) * width + h * headDim + d];
                z[(b * tokens + i) * width + h * headDim + d] = (float)acc;
            }
        }
    }
}
