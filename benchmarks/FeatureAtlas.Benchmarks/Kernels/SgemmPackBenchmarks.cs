using BenchmarkDotNet.Attributes;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Benchmarks.Kernels;

/// <summary>
/// Protects the load-time cost of packing a 768×3072 weight (GPT-2 small's c_fc) into <see cref="Sgemm"/>'s
/// NR-wide strips, as a ratio to a plain copy of the same 9 MB measured in the same run. Both write into a
/// buffer allocated in setup: <see cref="PackedMatrix.Pack"/> allocates the same pinned array either way, and
/// with a 9 MB allocation per call the Gen2 collections made the timings swing by ±25%.
/// Figures (2-core AVX-512 machine, README.md): row-major packing (Conv1D and SAE weights) 3–4× the copy, as
/// each strip reads 128 B per 12 KB row stride; the transposed gather (the tied unembedding, 50257×768 at
/// load) 6–7×.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SgemmPackBenchmarks
{
    private const int K = 768, N = 3072;

    private float[] _weight = [];       // [K, N], or [N, K] read as Bᵀ
    private float[] _destination = [];  // [N / NR, K, NR]
    private int _nr;

    [GlobalSetup]
    public void Setup()
    {
        _nr = GemmPaths.Nr(GemmPaths.Best);
        _weight = new float[K * N];
        CounterRandom.FillNormal(_weight, CounterRandom.Stream(2, "W"), 0.02f);
        _destination = GC.AllocateUninitializedArray<float>((N + _nr - 1) / _nr * K * _nr, pinned: true);
    }

    [Benchmark(Baseline = true)]
    public void Copy() => _weight.AsSpan().CopyTo(_destination);

    [Benchmark]
    public void Pack() => PackedMatrix.PackInto(_weight, K, N, transposed: false, _nr, _destination);

    [Benchmark]
    public void PackTransposed() => PackedMatrix.PackInto(_weight, K, N, transposed: true, _nr, _destination);
}
