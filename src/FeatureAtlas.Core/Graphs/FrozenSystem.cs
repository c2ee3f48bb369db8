using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// The local replacement model frozen on one prompt: layer-norm scales σ [T] per norm, attention patterns
/// [H, T, T] per block, each block's active transcoder features (activation-scaled decoder rows) and error
/// vectors [T, D]. <see cref="Propagate"/> pushes a batch of target gradients down the residual stream and reads
/// off every source's direct effect; <see cref="FeatureBias"/> and <see cref="LogitBias"/> run the same frozen system
/// forward from biases alone (every source zero), which completeness compares against.
/// </summary>
internal sealed class FrozenSystem
{
    private readonly Gpt2Model _model;
    private readonly float[][] _sigma1, _sigma2;          // [L][T]
    private readonly float[][] _pattern;                  // [L][H·T·T]
    private readonly float[][] _errors;                   // [L][T·D]
    private readonly float[][] _decoders;                 // [L][n_l·D]: a·W_dec[i] of each active feature of block l, in feature order
    private readonly int[] _featureStart;                 // [L + 1]: block l's features are [start[l], start[l+1])
    private readonly int[][] _positionStart;              // [L][T + 1] within block l
    private readonly PackedMatrix[] _wOT, _wVT;           // [D, D] packed for G·W_Oᵀ and dV·W_Vᵀ
    private readonly PackedMatrix?[] _wSkip;              // [D, D] packed for G·W_skip
    private readonly float[] _tokenVectors;               // [T·D]: W_E[token] + W_pos[t], the token nodes
    private float[]? _biasPre;                            // [L][T·D] bias-only x̂ at each transcoder input, flattened
    private float[]? _biasFinal;                          // [D] bias-only ln_final output at the last position

    private FrozenSystem(Gpt2Model model, Transcoder[] layers, int[] tokens)
    {
        _model = model;
        Layers = layers;
        Tokens = tokens;
        var c = model.Config;
        int nl = c.Layers, d = c.DModel;
        T = tokens.Length;
        _sigma1 = new float[nl][];
        _sigma2 = new float[nl][];
        _pattern = new float[nl][];
        _errors = new float[nl][];
        _decoders = new float[nl][];
        _featureStart = new int[nl + 1];
        _positionStart = new int[nl][];
        _wOT = new PackedMatrix[nl];
        _wVT = new PackedMatrix[nl];
        _wSkip = new PackedMatrix?[nl];
        _tokenVectors = new float[T * d];
        for (var p = 0; p < T; p++)
        {
            var row = _tokenVectors.AsSpan(p * d, d);
            TensorPrimitives.Add(model.Weights.WE.AsSpan(tokens[p] * d, d), model.Weights.WPos.AsSpan(p * d, d), row);
        }
    }

    public Transcoder[] Layers { get; }

    public int[] Tokens { get; }

    public int T { get; }

    public List<ActiveFeature> Features { get; } = [];

    public float[] LastLogits { get; private set; } = [];

    private float[] _xhat = [];                           // [L][T·D] ln2.hook_normalized, flattened

    /// <summary>Runs the prompt once, caching what freezes the system, and encodes every transcoder.</summary>
    public static FrozenSystem Record(Gpt2Model model, Transcoder[] layers, ReadOnlySpan<int> tokens)
    {
        var system = new FrozenSystem(model, layers, tokens.ToArray());
        system.Capture();
        return system;
    }

    private void Capture()
    {
        var c = _model.Config;
        int nl = c.Layers, d = c.DModel;
        var output = _model.Run(Tokens, 1, new RunOptions { Cache = GraphBuilder.CacheNames(nl), LogitsLastPositionOnly = true });
        LastLogits = output.Logits!.Data;
        if (!LastLogits.All(float.IsFinite)) throw new InvalidDataException("The model's logits on this prompt hold NaN or infinite values; the graph cannot be built.");
        var cache = output.Cache;
        _xhat = new float[nl * T * d];
        for (var l = 0; l < nl; l++)
        {
            _sigma1[l] = cache[HookNames.Ln1Scale(l)].Data;
            _sigma2[l] = cache[HookNames.Ln2Scale(l)].Data;
            _pattern[l] = cache[HookNames.Pattern(l)].Data;
            var x = cache[HookNames.Ln2Normalized(l)].Data;
            x.CopyTo(_xhat, l * T * d);
            var tc = Layers[l];
            var acts = new float[T * tc.DSae];
            var recon = new float[T * d];
            tc.Forward(x, T, acts, recon);
            var error = cache[HookNames.MlpOut(l)].Data;
            TensorPrimitives.Subtract(error, recon, error);
            _errors[l] = error;

            _featureStart[l] = Features.Count;
            _positionStart[l] = new int[T + 1];
            var decoder = new List<float>();
            var wDec = tc.Encoder.Parameters.WDec;
            for (var p = 0; p < T; p++)
            {
                _positionStart[l][p] = Features.Count - _featureStart[l];
                var row = acts.AsSpan(p * tc.DSae, tc.DSae);
                for (var i = 0; i < row.Length; i++)
                {
                    if (row[i] == 0f) continue;
                    Features.Add(new ActiveFeature(l, p, i, row[i], GraphBuilder.PreActivation(tc.Encoder, x.AsSpan(p * d, d), i)));
                    var scaled = new float[d];
                    TensorPrimitives.Multiply(wDec.AsSpan(i * d, d), row[i], scaled);
                    decoder.AddRange(scaled);
                }
            }
            _positionStart[l][T] = Features.Count - _featureStart[l];
            _decoders[l] = [.. decoder];
            var w = _model.Weights.Layers[l];
            _wOT[l] = PackedMatrix.PackTransposed(w.WO, d, d);
            _wVT[l] = PackedMatrix.PackTransposed(w.WV, d, d);
            _wSkip[l] = tc.WSkip is null ? null : PackedMatrix.Pack(tc.WSkip, d, d);
        }
        _featureStart[nl] = Features.Count;
        _sigmaFinalStore = cache[HookNames.FinalScale].Data;
    }

    private float[] _sigmaFinalStore = [];             // [T] ln_final's σ

    private double[]? _unembedMean;                       // [D] mean over the vocabulary of W_U's columns

    private float[] SigmaFinal => _sigmaFinalStore;

    /// <summary>The gradient at ln2.hook_normalized of a feature's block and position: W_enc[:, i] [D].</summary>
    public float[] EncoderSeed(ActiveFeature f)
    {
        var p = Layers[f.Layer].Encoder.Parameters;
        int d = _model.Config.DModel, s = Layers[f.Layer].DSae;
        var seed = new float[d];
        for (var j = 0; j < d; j++) seed[j] = p.WEnc[j * s + f.Index];
        return seed;
    }

    /// <summary>The gradient at ln_final's output of each logit target: W_U[:, v] − mean over v′ of W_U[:, v′] [D].</summary>
    public float[][] LogitSeeds(IReadOnlyList<LogitTarget> logits)
    {
        int d = _model.Config.DModel, vocab = _model.Config.Vocab;
        var mean = _unembedMean;
        if (mean is null)
        {
            mean = new double[d];
            var column = new float[d];
            for (var v = 0; v < vocab; v++)
            {
                _model.UnembeddingColumn(v, column);
                for (var j = 0; j < d; j++) mean[j] += column[j];
            }
            _unembedMean = mean;
        }
        return logits.Select(l =>
        {
            var seed = new float[d];
            _model.UnembeddingColumn(l.Token, seed);
            for (var j = 0; j < d; j++) seed[j] -= (float)(mean[j] / vocab);
            return seed;
        }).ToArray();
    }

    /// <summary>
    /// Backward passes for a batch of targets: each row of <paramref name="edges"/> [B, columns] receives the direct
    /// effect on its target of every active feature (activation × W_dec[i]·gradient), error node and token node.
    /// </summary>
    public void Propagate(GraphBuilder.Seed[] seeds, Span<float> edges, int columns)
    {
        var c = _model.Config;
        int d = c.DModel, heads = c.Heads, dh = c.HeadDim, nl = c.Layers, b = seeds.Length, rows = b * T;
        edges.Clear();
        var g = new float[rows * d];          // gradient on the residual stream, [B, T, D]
        var work = new float[rows * d];
        var dz = new float[rows * d];
        var top = seeds.Max(s => s.Layer);
        for (var k = 0; k < b; k++)
        {
            if (seeds[k].Layer != nl) continue;
            LayerNormSeed(seeds[k].Vector, _model.Weights.LnFinalGain, SigmaFinal[seeds[k].Position], g.AsSpan((k * T + seeds[k].Position) * d, d));
        }
        var errorColumn = _featureStart[nl];
        var tokenColumn = errorColumn + nl * T;
        for (var l = Math.Min(top, nl - 1); l >= 0; l--)
        {
            // Block l's MLP, replaced: its features and error are sources read off the gradient at resid_post(l).
            ReadOff(l, g, edges, columns, b);
            for (var k = 0; k < b; k++)
            {
                for (var p = 0; p < T; p++) edges[k * columns + errorColumn + l * T + p] = TensorPrimitives.Dot(_errors[l].AsSpan(p * d, d), g.AsSpan((k * T + p) * d, d));
            }
            // The transcoder's linear paths into resid_mid(l): the skip connection, and the seeds of block-l features.
            var any = false;
            if (_wSkip[l] is { } skip)
            {
                Sgemm.Multiply(g, skip, work, rows);
                any = true;
            }
            else
            {
                Array.Clear(work);
            }
            for (var k = 0; k < b; k++)
            {
                if (seeds[k].Layer != l) continue;
                TensorPrimitives.Add(work.AsSpan((k * T + seeds[k].Position) * d, d), seeds[k].Vector, work.AsSpan((k * T + seeds[k].Position) * d, d));
                any = true;
            }
            if (any) LayerNormBackward(work, [], _sigma2[l], g, b);

            // Attention with the pattern frozen: z_q = Σ_s P[q, s] v_s, so dv_s = Σ_q P[q, s] dz_q.
            Sgemm.Multiply(g, _wOT[l], dz, rows);
            Array.Clear(work);
            var pattern = _pattern[l];
            for (var k = 0; k < b; k++)
            {
                for (var h = 0; h < heads; h++)
                {
                    for (var q = 0; q < T; q++)
                    {
                        var dzq = dz.AsSpan((k * T + q) * d + h * dh, dh);
                        for (var s = 0; s <= q; s++)
                        {
                            var weight = pattern[(h * T + q) * T + s];
                            if (weight == 0f) continue;
                            var dv = work.AsSpan((k * T + s) * d + h * dh, dh);
                            TensorPrimitives.MultiplyAdd(dzq, weight, dv, dv);
                        }
                    }
                }
            }
            Sgemm.Multiply(work, _wVT[l], dz, rows);
            LayerNormBackward(dz, _model.Weights.Layers[l].Ln1Gain, _sigma1[l], g, b);
        }
        for (var k = 0; k < b; k++)
        {
            for (var p = 0; p < T; p++) edges[k * columns + tokenColumn + p] = TensorPrimitives.Dot(_tokenVectors.AsSpan(p * d, d), g.AsSpan((k * T + p) * d, d));
        }
    }

    /// <summary>Direct effects of block l's active features: (a·W_dec[i]) · g[k, p] for the features at each position p.</summary>
    private void ReadOff(int l, float[] g, Span<float> edges, int columns, int b)
    {
        var d = _model.Config.DModel;
        var starts = _positionStart[l];
        var decoders = _decoders[l];
        var gathered = new float[b * d];
        for (var p = 0; p < T; p++)
        {
            int first = starts[p], n = starts[p + 1] - first;
            if (n == 0) continue;
            for (var k = 0; k < b; k++) g.AsSpan((k * T + p) * d, d).CopyTo(gathered.AsSpan(k * d, d));
            var result = new float[b * n];
            Sgemm.Multiply(gathered, decoders.AsSpan(first * d, n * d), result, b, d, n, transposeB: true);
            for (var k = 0; k < b; k++) result.AsSpan(k * n, n).CopyTo(edges.Slice(k * columns + _featureStart[l] + first, n));
        }
    }

    /// <summary>g += (γ ⊙ dy − mean(γ ⊙ dy)) / σ row by row: a layer norm with its scale frozen, backwards.</summary>
    private void LayerNormBackward(float[] dy, float[] gain, float[] sigma, float[] g, int b)
    {
        var d = _model.Config.DModel;
        for (var k = 0; k < b; k++)
        {
            for (var p = 0; p < T; p++)
            {
                var row = dy.AsSpan((k * T + p) * d, d);
                LayerNormSeed(row, gain, sigma[p], g.AsSpan((k * T + p) * d, d));
            }
        }
    }

    private static void LayerNormSeed(ReadOnlySpan<float> dy, float[] gain, float sigma, Span<float> destination)
    {
        var d = dy.Length;
        Span<float> scaled = d <= 2048 ? stackalloc float[d] : new float[d];
        if (gain.Length == 0) dy.CopyTo(scaled);
        else TensorPrimitives.Multiply(dy, gain, scaled);
        var mean = TensorPrimitives.Sum(scaled) / d;
        for (var i = 0; i < d; i++) destination[i] += (scaled[i] - mean) / sigma;
    }

    /// <summary>The part of a feature's pre-activation that comes from biases alone in the frozen system.</summary>
    public float FeatureBias(ActiveFeature f)
    {
        EnsureBiasForward();
        var d = _model.Config.DModel;
        return GraphBuilder.PreActivation(Layers[f.Layer].Encoder, _biasPre.AsSpan((f.Layer * T + f.Position) * d, d), f.Index);
    }

    /// <summary>The part of a demeaned logit that comes from biases alone in the frozen system.</summary>
    public float LogitBias(int token)
    {
        EnsureBiasForward();
        var seed = LogitSeeds([new LogitTarget(token, 0, 0)])[0];
        var bu = _model.Weights.BU;
        var bias = bu[token] - bu.Average(x => (double)x);
        return (float)(TensorPrimitives.Dot(seed, _biasFinal) + bias);
    }

    /// <summary>
    /// The frozen system run forward with every source (token embeddings, feature activations, errors) zero: what the
    /// biases (b_V through the pattern, b_O, layer-norm β, b_dec and the skip path) alone put on the residual stream.
    /// </summary>
    private void EnsureBiasForward()
    {
        if (_biasFinal is not null) return;
        var c = _model.Config;
        int d = c.DModel, nl = c.Layers, heads = c.Heads, dh = c.HeadDim;
        var r = new float[T * d];
        var x = new float[T * d];
        var v = new float[T * d];
        var z = new float[T * d];
        var pre = new float[nl * T * d];
        for (var l = 0; l < nl; l++)
        {
            var w = _model.Weights.Layers[l];
            Normalize(r, _sigma1[l], w.Ln1Gain, w.Ln1Bias, x);
            Sgemm.Multiply(x, w.WV, v, T, d, d);
            for (var p = 0; p < T; p++) TensorPrimitives.Add(v.AsSpan(p * d, d), w.BV, v.AsSpan(p * d, d));
            Array.Clear(z);
            for (var h = 0; h < heads; h++)
            {
                for (var q = 0; q < T; q++)
                {
                    for (var s = 0; s <= q; s++)
                    {
                        var weight = _pattern[l][(h * T + q) * T + s];
                        TensorPrimitives.MultiplyAdd(v.AsSpan(s * d + h * dh, dh), weight, z.AsSpan(q * d + h * dh, dh), z.AsSpan(q * d + h * dh, dh));
                    }
                }
            }
            Sgemm.Multiply(z, w.WO, x, T, d, d);
            for (var p = 0; p < T; p++)
            {
                TensorPrimitives.Add(r.AsSpan(p * d, d), x.AsSpan(p * d, d), r.AsSpan(p * d, d));
                TensorPrimitives.Add(r.AsSpan(p * d, d), w.BO, r.AsSpan(p * d, d));
            }
            var xhat = pre.AsSpan(l * T * d, T * d);
            Normalize(r, _sigma2[l], [], [], xhat);
            var tc = Layers[l];
            for (var p = 0; p < T; p++)
            {
                var row = r.AsSpan(p * d, d);
                TensorPrimitives.Add(row, tc.Encoder.Parameters.BDec, row);
                if (tc.WSkip is null) continue;
                for (var i = 0; i < d; i++) row[i] += TensorPrimitives.Dot(tc.WSkip.AsSpan(i * d, d), xhat.Slice(p * d, d));
            }
        }
        _biasPre = pre;
        var final = new float[T * d];
        Normalize(r, SigmaFinal, _model.Weights.LnFinalGain, _model.Weights.LnFinalBias, final);
        _biasFinal = final.AsSpan((T - 1) * d, d).ToArray();
    }

    private void Normalize(ReadOnlySpan<float> r, float[] sigma, float[] gain, float[] bias, Span<float> destination)
    {
        var d = _model.Config.DModel;
        for (var p = 0; p < T; p++)
        {
            var row = r.Slice(p * d, d);
            var output = destination.Slice(p * d, d);
            var mean = TensorPrimitives.Sum(row) / d;
            for (var i = 0; i < d; i++) output[i] = (row[i] - mean) / sigma[p];
            if (gain.Length > 0) TensorPrimitives.Multiply(output, gain, output);
            if (bias.Length > 0) TensorPrimitives.Add(output, bias, output);
        }
    }
}
