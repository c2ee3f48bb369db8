using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Benchmarks.Kernels;

/// <summary>
/// Protects the speed of the element-wise and attention kernels at GPT-2-small shapes, each as a ratio to its
/// plain double-precision reference twin (the one the tests compare it against) measured in the same run:
/// LayerNorm over [1024, 768], gelu_new over [1024, 3072], and causal attention with B 8, T 128, H 12, Dh 64.
/// LayerNorm and GELU run on one thread, like their twins; attention shares all cores through the worker pool
/// while its twin runs on one, so its ratio includes the core count (2 here).
/// Figures (2-core AVX-512 machine, README.md): LayerNorm ≥ 25×, gelu_new ≥ 8×, attention ≥ 20× faster than
/// the twins; a drop means a vector path was lost.
/// </summary>
[Config(typeof(TrendRatio))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class KernelBenchmarks
{
    private const int Rows = 1024, D = 768, F = 3072;
    private const int Batch = 8, Tokens = 128, Heads = 12, HeadDim = 64;
    private const float Epsilon = 1e-5f;

    private float[] _x = [];        // [Rows, D]
    private float[] _gain = [];     // [D]
    private float[] _bias = [];     // [D]
    private float[] _y = [];        // [Rows, D]
    private float[] _h = [];        // [Rows, F]
    private float[] _gelu = [];     // [Rows, F]
    private float[] _q = [];        // [B·T, H·Dh]
    private float[] _k = [];        // [B·T, H·Dh]
    private float[] _v = [];        // [B·T, H·Dh]
    private float[] _z = [];        // [B·T, H·Dh]
    private float[] _pattern = [];  // [B, H, T, T]

    /// <summary>Ratios printed as "24.12x faster": at 0.02 the default two decimals would hide a 2× regression.</summary>
    public sealed class TrendRatio : ManualConfig
    {
        public TrendRatio() => SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }

    [GlobalSetup]
    public void Setup()
    {
        _x = Normal(Rows * D, "x", 1f);
        _gain = Normal(D, "gain", 0.1f, mean: 1f);
        _bias = Normal(D, "bias", 0.1f);
        _y = new float[Rows * D];
        _h = Normal(Rows * F, "h", 2f);
        _gelu = new float[Rows * F];
        var width = Batch * Tokens * Heads * HeadDim;
        _q = Normal(width, "q", 1f);
        _k = Normal(width, "k", 1f);
        _v = Normal(width, "v", 1f);
        _z = new float[width];
        _pattern = new float[Batch * Heads * Tokens * Tokens];
    }

    private static float[] Normal(int length, string name, float std, float mean = 0f)
    {
        var values = new float[length];
        CounterRandom.FillNormal(values, CounterRandom.Stream(3, name), std, mean);
        return values;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("LayerNorm")]
    public void LayerNormReference() => LayerNorm.Reference(_x, _gain, _bias, Epsilon, D, _y);

    [Benchmark, BenchmarkCategory("LayerNorm")]
    public void LayerNormForward() => LayerNorm.Forward(_x, _gain, _bias, Epsilon, D, _y);

    [Benchmark(Baseline = true), BenchmarkCategory("Gelu")]
    public void GeluReference()
    {
        for (var i = 0; i < _h.Length; i++) _gelu[i] = (float)Gelu.Reference(_h[i]);
    }

    [Benchmark, BenchmarkCategory("Gelu")]
    public void GeluForward() => Gelu.Forward(_h, _gelu);

    [Benchmark(Baseline = true), BenchmarkCategory("CausalAttention")]
    public void CausalAttentionReference() => CausalAttention.Reference(_q, _k, _v, Batch, Tokens, Heads, HeadDim, _z, _pattern);

    [Benchmark, BenchmarkCategory("CausalAttention")]
    public void CausalAttentionForward() => CausalAttention.Forward(_q, _k, _v, Batch, Tokens, Heads, HeadDim, _z);
}
