using BenchmarkDotNet.Attributes;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Bench;

namespace FeatureAtlas.Benchmarks.Kernels;

/// <summary>
/// Protects <see cref="FeatureAtlas.Core.Kernels.Sgemm"/>'s time as a ratio to OpenBLAS's cblas_sgemm (Debian
/// libopenblas0-pthread, its own threads on all cores) on the same inputs in the same run, for the GEMMs of a
/// GPT-2-small forward pass: c_fc (1024×768·768×3072), mlp c_proj (1024×3072·3072×768), attention
/// projections (1024×768·768×768), a 24,576-feature SAE encoder on 64 tokens, and the unembedding of one
/// token (1×768·768×50257).
/// Figure: Ratio ≤ 1.1 on every shape (measured on the 2-core AVX-512 machine: see README.md).
/// B is packed in setup, as the engine packs weights once at load; packing has its own figure in
/// <see cref="SgemmPackBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SgemmBenchmarks
{
    private float[] _a = [];        // [M, K]
    private float[] _b = [];        // [K, N]
    private float[] _c = [];        // [M, N]
    private PackedMatrix? _packed;  // _b packed for the micro-kernel

    /// <summary>A GEMM shape: C[M, N] = A[M, K] · B[K, N].</summary>
    public readonly record struct Shape(int M, int K, int N)
    {
        public override string ToString() => $"{M}x{K}x{N}";
    }

    public static IEnumerable<Shape> Shapes =>
    [
        new(1024, 768, 3072),
        new(1024, 3072, 768),
        new(1024, 768, 768),
        new(64, 768, 24576),
        new(1, 768, 50257),
    ];

    [ParamsSource(nameof(Shapes))]
    public Shape MKN { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (m, k, n) = MKN;
        _a = new float[m * k];
        _b = new float[k * n];
        _c = new float[m * n];
        CounterRandom.FillNormal(_a, CounterRandom.Stream(1, "A"), 1f);
        CounterRandom.FillNormal(_b, CounterRandom.Stream(1, "B"), 0.02f);
        _packed = PackedMatrix.Pack(_b, k, n);
    }

    /// <summary>Throws OpenBLAS's own "not installed; apt-get install libopenblas0-pthread" when it is missing.</summary>
    [Benchmark(Baseline = true)]
    public void OpenBlasSgemm() => OpenBlas.Multiply(_a, _b, _c, MKN.M, MKN.K, MKN.N);

    [Benchmark]
    public void Sgemm() => FeatureAtlas.Core.Kernels.Sgemm.Multiply(_a, _packed!, _c, MKN.M);
}
