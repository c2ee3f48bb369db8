using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Evals;

/// <summary>
/// Accumulates an SAE's evaluation (<see cref="SaeEvalResult"/>) over batches of token windows: three forward
/// passes per batch (clean with the hook read, SAE reconstruction spliced in, hook zero-ablated), as SAELens's
/// run_evals does. Positions holding a special token (BOS/EOS 50256) are masked out of every metric and keep
/// their clean activation in the spliced run. Shapes: B windows, T tokens, I d_in, S d_sae, V vocab.
/// </summary>
public sealed class SaeEvaluator
{
    public const int SpecialToken = 50256;
    public const int HistogramBins = 50;

    private readonly Gpt2Model _model;
    private readonly SparseAutoencoder _sae;
    private readonly long[] _firings;          // [S]
    private readonly double[] _sum;            // [I] Σ x
    private readonly float[] _scratch;         // [V]
    private readonly float[] _difference;      // [V]
    private double _sumSquares;                // Σ ‖x‖²
    private double _sse, _cosine, _active;
    private long _tokens;
    private double _ceClean, _ceSae, _ceAblated;
    private long _ceTokens;
    private double _klSae, _klAblated, _l1, _normIn, _normOut, _ratio, _outSquares, _dotInOut;
    private long _klTokens;

    public SaeEvaluator(Gpt2Model model, SparseAutoencoder sae)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        sae.CheckFits(model.Config);
        _model = model;
        _sae = sae;
        _firings = new long[sae.DSae];
        _sum = new double[sae.DIn];
        _scratch = new float[model.Config.Vocab];
        _difference = new float[model.Config.Vocab];
    }

    public long Tokens => _tokens;

    /// <summary>Adds <paramref name="batch"/> windows of equal length, row-major in <paramref name="tokens"/> [B·T].</summary>
    public void Add(ReadOnlySpan<int> tokens, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var length = tokens.Length / batch;
        if (length * batch != tokens.Length || length < 2) throw new ArgumentException("Windows must be of equal length, at least 2 tokens.", nameof(tokens));
        var ids = tokens.ToArray();
        var rows = ids.Length;
        var (dIn, dSae, vocab) = (_sae.DIn, _sae.DSae, _model.Config.Vocab);
        var hook = _sae.HookName;
        var logits = new float[(long)rows * vocab];
        var cleanLogits = new float[(long)rows * vocab];   // kept for the KL of the two edited runs

        float[] x = [];
        _model.Run(ids, batch, new RunOptions { Hooks = new Dictionary<string, ActivationHook> { [hook] = (_, _, v) => x = v.ToArray() } }, logits);
        AddCrossEntropy(ids, batch, length, logits, ref _ceClean, countTokens: true);
        logits.AsSpan().CopyTo(cleanLogits);

        var features = new float[(long)rows * dSae];
        var recon = new float[(long)rows * dIn];
        _sae.Reconstruct(x, rows, features, recon);
        _model.Run(ids, batch, new RunOptions
        {
            Hooks = new Dictionary<string, ActivationHook>
            {
                [hook] = (_, _, v) =>
                {
                    for (var r = 0; r < rows; r++)
                    {
                        if (ids[r] != SpecialToken) recon.AsSpan(r * dIn, dIn).CopyTo(v.Slice(r * dIn, dIn));
                    }
                },
            },
        }, logits);
        AddCrossEntropy(ids, batch, length, logits, ref _ceSae, countTokens: false);
        AddKl(ids, cleanLogits, logits, ref _klSae, countTokens: true);

        _model.Run(ids, batch, new RunOptions { Hooks = new Dictionary<string, ActivationHook> { [hook] = (_, _, v) => v.Clear() } }, logits);
        AddCrossEntropy(ids, batch, length, logits, ref _ceAblated, countTokens: false);
        AddKl(ids, cleanLogits, logits, ref _klAblated, countTokens: false);

        for (var r = 0; r < rows; r++)
        {
            if (ids[r] == SpecialToken) continue;
            var xr = x.AsSpan(r * dIn, dIn);
            var yr = recon.AsSpan(r * dIn, dIn);
            double sse = 0, dot = 0, xx = 0, yy = 0;
            for (var d = 0; d < dIn; d++)
            {
                double a = xr[d], b = yr[d];
                sse += (a - b) * (a - b);
                dot += a * b;
                xx += a * a;
                yy += b * b;
                _sum[d] += a;
            }
            _sse += sse;
            _sumSquares += xx;
            _cosine += dot / Math.Max(Math.Sqrt(xx) * Math.Sqrt(yy), 1e-8);
            var (normIn, normOut) = (Math.Sqrt(xx), Math.Sqrt(yy));
            _normIn += normIn;
            _normOut += normOut;
            _ratio += normOut / (normIn < 1e-4 ? 1 : normIn);
            _outSquares += yy;
            _dotInOut += dot;
            var f = features.AsSpan(r * dSae, dSae);
            for (var i = 0; i < dSae; i++)
            {
                if (f[i] > 0f)
                {
                    _firings[i]++;
                    _active++;
                    _l1 += f[i];
                }
            }
            _tokens++;
        }
    }

    /// <summary>Σ over positions t &lt; T−1 whose token is not special of −log p(token t+1 | ..t).</summary>
    private void AddCrossEntropy(int[] ids, int batch, int length, float[] logits, ref double total, bool countTokens)
    {
        var vocab = _model.Config.Vocab;
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < length - 1; t++)
            {
                var position = b * length + t;
                if (ids[position] == SpecialToken) continue;
                var row = logits.AsSpan(position * vocab, vocab);
                var max = TensorPrimitives.Max(row);
                // Vectorised exp over V (scalar Math.Exp cost ~1 s per 1000 positions of GPT-2's 50,257 logits).
                var shifted = _scratch.AsSpan(0, vocab);
                TensorPrimitives.Subtract(row, max, shifted);
                TensorPrimitives.Exp(shifted, shifted);
                total += max + Math.Log(TensorPrimitives.Sum(shifted)) - row[ids[position + 1]];
                if (countTokens) _ceTokens++;
            }
        }
    }

    /// <summary>
    /// Σ over positions whose token is not special (the last position too) of KL(p_clean ‖ p_run)
    /// = Σ_v p_clean (ℓ_clean − ℓ_run) + lse(ℓ_run) − lse(ℓ_clean), from the two runs' logits ℓ.
    /// </summary>
    private void AddKl(int[] ids, float[] clean, float[] run, ref double total, bool countTokens)
    {
        var vocab = _model.Config.Vocab;
        var p = _scratch.AsSpan(0, vocab);
        var difference = _difference.AsSpan(0, vocab);
        for (var position = 0; position < ids.Length; position++)
        {
            if (ids[position] == SpecialToken) continue;
            var c = clean.AsSpan(position * vocab, vocab);
            var q = run.AsSpan(position * vocab, vocab);
            var maxC = TensorPrimitives.Max(c);
            TensorPrimitives.Subtract(c, maxC, p);
            TensorPrimitives.Exp(p, p);
            double sumC = TensorPrimitives.Sum(p);
            TensorPrimitives.Subtract(c, q, difference);
            var expected = TensorPrimitives.Dot(p, difference) / sumC;
            var maxQ = TensorPrimitives.Max(q);
            TensorPrimitives.Subtract(q, maxQ, difference);
            TensorPrimitives.Exp(difference, difference);
            var lseQ = maxQ + Math.Log(TensorPrimitives.Sum(difference));
            var lseC = maxC + Math.Log(sumC);
            total += expected + lseQ - lseC;
            if (countTokens) _klTokens++;
        }
    }

    public SaeEvalResult Finish()
    {
        if (_tokens == 0 || _ceTokens == 0) throw new InvalidOperationException("No unmasked tokens were evaluated.");
        var n = (double)_tokens;
        double centred = _sumSquares;
        foreach (var s in _sum) centred -= s * s / n;    // Σ‖x − x̄‖² = Σ‖x‖² − N‖x̄‖²
        var density = _firings.Select(c => c / n).ToArray();
        var histogram = new int[HistogramBins];
        const double Min = -10, Max = 0;
        foreach (var d in density)
        {
            var bin = (int)Math.Floor((Math.Log10(d + 1e-10) - Min) / (Max - Min) * HistogramBins);
            histogram[Math.Clamp(bin, 0, HistogramBins - 1)]++;
        }
        var clean = _ceClean / _ceTokens;
        var withSae = _ceSae / _ceTokens;
        var ablated = _ceAblated / _ceTokens;
        return new SaeEvalResult
        {
            Tokens = _tokens,
            L0 = _active / n,
            Mse = _sse / (n * _sae.DIn),
            ExplainedVariance = 1 - _sse / centred,
            CosineSimilarity = _cosine / n,
            CeLossClean = clean,
            CeLossWithSae = withSae,
            CeLossZeroAblation = ablated,
            CeLossRecovered = (ablated - withSae) / (ablated - clean),
            DeadFeatures = density.Count(d => d == 0),
            DenseFeatures = density.Count(d => d > 0.1),
            DSae = _sae.DSae,
            LogDensityHistogram = histogram,
            HistogramMin = Min,
            HistogramMax = Max,
            KlDivWithSae = _klSae / _klTokens,
            KlDivWithAblation = _klAblated / _klTokens,
            KlDivScore = (_klAblated - _klSae) / _klAblated,
            L1 = _l1 / n,
            L2NormIn = _normIn / n,
            L2NormOut = _normOut / n,
            L2Ratio = _ratio / n,
            RelativeReconstructionBias = _outSquares / _dotInOut,
            FracAlive = density.Count(d => d > 0) / (double)density.Length,
            FreqOver1Percent = density.Count(d => d > 0.01) / (double)density.Length,
            FreqOver10Percent = density.Count(d => d > 0.1) / (double)density.Length,
        };
    }
}
