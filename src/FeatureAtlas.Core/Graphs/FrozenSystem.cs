using System.Diagnostics;
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
    private readonly float[][] _spreadPattern;            // [L][T(T+1)/2 · D]: P[h, q, s] repeated over head h's Dh lanes, (q, s ≤ q) row-major
    private readonly float[][] _errors;                   // [L][T·D]
    private readonly PackedMatrix?[][] _packedDecoders;   // [L][T]: (a·W_dec[i])ᵀ [D, n_p] of the active features of block l at position p
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
        _spreadPattern = new float[nl][];
        _packedDecoders = new PackedMatrix?[nl][];
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

    /// <summary>Stopwatch ticks spent so far in <see cref="Propagate"/>: the GEMMs (skip, W_Oᵀ, W_Vᵀ), the frozen-pattern products, the read-offs (decoder products, error and token dots).</summary>
    public long GemmTicks { get; private set; }

    public long AttentionTicks { get; private set; }

    public long ReadOffTicks { get; private set; }

    public int[] Tokens { get; }

    public int T { get; }

    public List<ActiveFeature> Features { get; } = [];

    public float[] LastLogits { get; private set; } = [];

    private readonly List<float[]> _encoderColumns = [];  // [L][n_l·D]: W_enc[:, i] of block l's active features, in feature order

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
            _packedDecoders[l] = new PackedMatrix?[T];
            var wDec = tc.Encoder.Parameters.WDec;
            var blockFeatures = new List<(int Position, int Index, float Activation)>();
            for (var p = 0; p < T; p++)
            {
                _positionStart[l][p] = blockFeatures.Count;
                var row = acts.AsSpan(p * tc.DSae, tc.DSae);
                var scaled = new List<float>();
                for (var i = 0; i < row.Length; i++)
                {
                    if (row[i] == 0f) continue;
                    blockFeatures.Add((p, i, row[i]));
                    var start = scaled.Count;
                    scaled.AddRange(wDec.AsSpan(i * d, d));
                    var added = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scaled).Slice(start, d);
                    TensorPrimitives.Multiply(added, row[i], added);
                }
                var n = blockFeatures.Count - _positionStart[l][p];
                if (n > 0) _packedDecoders[l][p] = PackedMatrix.PackTransposed(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scaled), d, n);
            }
            _positionStart[l][T] = blockFeatures.Count;
            var preActivations = PreActivations(tc, x, blockFeatures);
            for (var i = 0; i < blockFeatures.Count; i++)
            {
                var (p, index, a) = blockFeatures[i];
                Features.Add(new ActiveFeature(l, p, index, a, preActivations[i]));
            }
            _spreadPattern[l] = SpreadPattern(_pattern[l], T, c.Heads, c.HeadDim);
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

    /// <summary>The gradient at ln2.hook_normalized of active feature <paramref name="feature"/>'s block and position: W_enc[:, i] [D].</summary>
    public float[] EncoderSeed(int feature)
    {
        var l = Features[feature].Layer;
        var d = _model.Config.DModel;
        return _encoderColumns[l].AsSpan((feature - _featureStart[l]) * d, d).ToArray();
    }

    /// <summary>
    /// W_enc[:, i] of every active feature of one block [n, D] (kept in <see cref="_encoderColumns"/> for the seeds) and
    /// its pre-activation x̂[p]·W_enc[:, i] + b_enc[i] in double. W_enc [D, S] is read row by row (one 96 KB row for
    /// S = 24,576 stays in L2 while the block's ~1,000 active columns pick from it), not column by column, which
    /// missed the cache on every element.
    /// </summary>
    private float[] PreActivations(Transcoder tc, ReadOnlySpan<float> x, List<(int Position, int Index, float Activation)> features)
    {
        var p = tc.Encoder.Parameters;
        int d = tc.DIn, s = tc.DSae, n = features.Count;
        var columns = new float[n * d];
        for (var j = 0; j < d; j++)
        {
            var row = p.WEnc.AsSpan(j * s, s);
            for (var i = 0; i < n; i++) columns[i * d + j] = row[features[i].Index];
        }
        _encoderColumns.Add(columns);
        var result = new float[n];
        for (var i = 0; i < n; i++)
        {
            double sum = p.BEnc![features[i].Index];
            var column = columns.AsSpan(i * d, d);
            var xr = x.Slice(features[i].Position * d, d);
            for (var j = 0; j < d; j++) sum += (double)xr[j] * column[j];
            result[i] = (float)sum;
        }
        return result;
    }

    /// <summary>
    /// The pattern [H, T, T] laid out for the backward pass: for each (q, s ≤ q) a D-vector holding P[h, q, s] in head
    /// h's Dh lanes, so dv_s += spread[q, s] ⊙ dz_q updates all heads in one 768-wide multiply-add instead of twelve
    /// 64-wide ones (the per-call overhead dominated at Dh = 64).
    /// </summary>
    private static float[] SpreadPattern(float[] pattern, int t, int heads, int dh)
    {
        var d = heads * dh;
        var spread = new float[t * (t + 1) / 2 * d];
        for (var q = 0; q < t; q++)
        {
            for (var s = 0; s <= q; s++)
            {
                var target = spread.AsSpan((q * (q + 1) / 2 + s) * d, d);
                for (var h = 0; h < heads; h++) target.Slice(h * dh, dh).Fill(pattern[(h * t + q) * t + s]);
            }
        }
        return spread;
    }

    /// <summary>Buffers of <see cref="Propagate"/>, grown to the largest batch and reused (a build propagates ~80 batches of up to B·T rows).</summary>
    private sealed class PropagateScratch(int length, int rows)
    {
        private float[] _result = [];

        public float[] G { get; } = new float[length];

        public float[] Work { get; } = new float[length];

        public float[] Dz { get; } = new float[length];

        public float[] Gathered { get; } = new float[length];               // at most one row per target, and targets ≤ rows

        public int[] Who { get; } = new int[rows];

        public int Length => length;

        public float[] Result(int size)
        {
            if (_result.Length < size) _result = new float[size];
            return _result;
        }
    }

    private PropagateScratch? _scratch;

    private PropagateScratch Scratch(int rows)
    {
        var length = rows * _model.Config.DModel;
        if (_scratch is null || _scratch.Length < length) _scratch = new PropagateScratch(length, rows);
        return _scratch;
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
    /// <para>
    /// Only what can be non-zero is computed. A target seeded at position p has gradient at positions ≤ p alone (the
    /// attention is causal), so target k keeps p_k + 1 rows, packed one target after another ("compact rows", R = Σ
    /// (p_k + 1) ≤ B·T); and a target seeded at block l's transcoder input has none above block l, so the targets are
    /// taken in descending block order and each block works on the prefix of targets that have reached it. For a
    /// 32-token prompt with targets spread over positions and blocks that is ~4× fewer GEMM rows than B·T per block.
    /// </para>
    /// </summary>
    public void Propagate(GraphBuilder.Seed[] seeds, Span<float> edges, int columns)
    {
        var c = _model.Config;
        int d = c.DModel, nl = c.Layers, b = seeds.Length;
        edges.Clear();
        if (b == 0) return;
        // Targets by block, highest first (logits are block n_layers): block l works on a prefix of them.
        var order = Enumerable.Range(0, b).OrderByDescending(k => seeds[k].Layer).ThenByDescending(k => seeds[k].Position).ToArray();
        var offset = new int[b + 1];                                   // compact rows of target order[j]: [offset[j], offset[j + 1])
        for (var j = 0; j < b; j++) offset[j + 1] = offset[j] + seeds[order[j]].Position + 1;
        var rows = offset[b];
        var rowPosition = new int[rows];
        for (var j = 0; j < b; j++)
        {
            for (var p = 0; p < offset[j + 1] - offset[j]; p++) rowPosition[offset[j] + p] = p;
        }
        var scratch = Scratch(rows);
        var g = scratch.G.AsSpan(0, rows * d);                        // gradient on the residual stream, compact rows
        var work = scratch.Work.AsSpan(0, rows * d);
        var dz = scratch.Dz.AsSpan(0, rows * d);
        g.Clear();
        for (var j = 0; j < b; j++)
        {
            var s = seeds[order[j]];
            if (s.Layer != nl) continue;
            LayerNormSeed(s.Vector, _model.Weights.LnFinalGain, SigmaFinal[s.Position], g.Slice((offset[j] + s.Position) * d, d));
        }
        var errorColumn = _featureStart[nl];
        var tokenColumn = errorColumn + nl * T;
        var top = seeds.Max(s => s.Layer);
        for (var l = Math.Min(top, nl - 1); l >= 0; l--)
        {
            int above = 0, reached = 0;                                // targets above block l; targets at block l or above
            while (above < b && seeds[order[above]].Layer > l) above++;
            reached = above;
            while (reached < b && seeds[order[reached]].Layer == l) reached++;
            int rowsAbove = offset[above], rowsReached = offset[reached];
            if (rowsReached == 0) continue;

            // Block l's MLP, replaced: its features and error are sources read off the gradient at resid_post(l).
            var clock = Stopwatch.GetTimestamp();
            ReadOff(l, g, edges, columns, order, offset, above);
            for (var j = 0; j < above; j++)
            {
                var edgeRow = edges.Slice(order[j] * columns + errorColumn + l * T, T);
                for (var p = 0; p < offset[j + 1] - offset[j]; p++) edgeRow[p] = TensorPrimitives.Dot(_errors[l].AsSpan(p * d, d), g.Slice((offset[j] + p) * d, d));
            }
            ReadOffTicks += Stopwatch.GetTimestamp() - clock;
            // The transcoder's linear paths into resid_mid(l): the skip connection, and the seeds of block-l features.
            // Without a skip path only the seed rows are non-zero, so only they pass the frozen ln2.
            if (_wSkip[l] is { } skip)
            {
                clock = Stopwatch.GetTimestamp();
                if (rowsAbove > 0) Sgemm.Multiply(g[..(rowsAbove * d)], skip, work, rowsAbove);
                GemmTicks += Stopwatch.GetTimestamp() - clock;
                work[(rowsAbove * d)..(rowsReached * d)].Clear();
                AddSeeds(seeds, order, offset, above, reached, work);
                LayerNormBackward(work, [], _sigma2[l], rowPosition, rowsReached, g);
            }
            else
            {
                for (var j = above; j < reached; j++)
                {
                    var s = seeds[order[j]];
                    LayerNormSeed(s.Vector, [], _sigma2[l][s.Position], g.Slice((offset[j] + s.Position) * d, d));
                }
            }

            // Attention with the pattern frozen: z_q = Σ_s P[q, s] v_s, so dv_s = Σ_{q ≥ s} P[q, s] dz_q.
            clock = Stopwatch.GetTimestamp();
            Sgemm.Multiply(g[..(rowsReached * d)], _wOT[l], dz, rowsReached);
            var attention = Stopwatch.GetTimestamp();
            GemmTicks += attention - clock;
            var spread = _spreadPattern[l];
            work[..(rowsReached * d)].Clear();
            for (var j = 0; j < reached; j++)
            {
                var n = offset[j + 1] - offset[j];
                var dzk = dz.Slice(offset[j] * d, n * d);
                var dvk = work.Slice(offset[j] * d, n * d);
                for (var q = 0; q < n; q++)
                {
                    var dzq = dzk.Slice(q * d, d);
                    var weights = spread.AsSpan(q * (q + 1) / 2 * d, (q + 1) * d);
                    for (var s = 0; s <= q; s++)
                    {
                        var dv = dvk.Slice(s * d, d);
                        TensorPrimitives.MultiplyAdd(dzq, weights.Slice(s * d, d), dv, dv);
                    }
                }
            }
            clock = Stopwatch.GetTimestamp();
            AttentionTicks += clock - attention;
            Sgemm.Multiply(work[..(rowsReached * d)], _wVT[l], dz, rowsReached);
            GemmTicks += Stopwatch.GetTimestamp() - clock;
            LayerNormBackward(dz, _model.Weights.Layers[l].Ln1Gain, _sigma1[l], rowPosition, rowsReached, g);
        }
        var tokens = Stopwatch.GetTimestamp();
        for (var j = 0; j < b; j++)
        {
            var edgeRow = edges.Slice(order[j] * columns + tokenColumn, T);
            for (var p = 0; p < offset[j + 1] - offset[j]; p++) edgeRow[p] = TensorPrimitives.Dot(_tokenVectors.AsSpan(p * d, d), g.Slice((offset[j] + p) * d, d));
        }
        ReadOffTicks += Stopwatch.GetTimestamp() - tokens;
    }

    private static void AddSeeds(GraphBuilder.Seed[] seeds, int[] order, int[] offset, int from, int to, Span<float> work)
    {
        for (var j = from; j < to; j++)
        {
            var s = seeds[order[j]];
            var row = work.Slice((offset[j] + s.Position) * s.Vector.Length, s.Vector.Length);
            TensorPrimitives.Add(row, s.Vector, row);
        }
    }

    /// <summary>
    /// Direct effects of block l's active features on the first <paramref name="targets"/> targets: (a·W_dec[i]) ·
    /// g[k, p] for the features at each position p, one GEMM per position over the targets that reach p.
    /// </summary>
    private void ReadOff(int l, Span<float> g, Span<float> edges, int columns, int[] order, int[] offset, int targets)
    {
        var d = _model.Config.DModel;
        var starts = _positionStart[l];
        var scratch = _scratch!;
        for (var p = 0; p < T; p++)
        {
            int first = starts[p], n = starts[p + 1] - first;
            if (n == 0) continue;
            var m = 0;
            var gathered = scratch.Gathered;
            var who = scratch.Who;
            for (var j = 0; j < targets; j++)
            {
                if (offset[j + 1] - offset[j] <= p) continue;
                g.Slice((offset[j] + p) * d, d).CopyTo(gathered.AsSpan(m * d, d));
                who[m++] = order[j];
            }
            if (m == 0) continue;
            var result = scratch.Result(m * n);
            Sgemm.Multiply(gathered.AsSpan(0, m * d), _packedDecoders[l][p]!, result, m);
            for (var i = 0; i < m; i++) result.AsSpan(i * n, n).CopyTo(edges.Slice(who[i] * columns + _featureStart[l] + first, n));
        }
    }

    /// <summary>g[r] += (γ ⊙ dy[r] − mean(γ ⊙ dy[r])) / σ[position of r] for the first <paramref name="rows"/> compact rows: a layer norm with its scale frozen, backwards.</summary>
    private void LayerNormBackward(ReadOnlySpan<float> dy, float[] gain, float[] sigma, int[] rowPosition, int rows, Span<float> g)
    {
        var d = _model.Config.DModel;
        for (var r = 0; r < rows; r++) LayerNormSeed(dy.Slice(r * d, d), gain, sigma[rowPosition[r]], g.Slice(r * d, d));
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
