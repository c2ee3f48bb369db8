using BenchmarkDotNet.Attributes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Benchmarks.Model;

/// <summary>
/// Protects what encoding an SAE during a forward pass costs: a GPT-2-small-shape model (random weights from
/// <see cref="Gpt2Initializer"/>, full logits at every position) with a 24,576-feature standard SAE encoded
/// inside an <see cref="ActivationHook"/> on blocks.8.hook_resid_pre, as a ratio to the same forward pass
/// without it, measured in the same run. The encoder adds 768×24,576 = 18.9 M multiply-adds per token to
/// GPT-2's ~124 M, so the figure is Ratio ≈ 1.15 (measured 1.15–1.25, README.md). Allocated: 0 B for the
/// plain pass; 96 B with the hook today, from Gpt2Model.Plan enumerating the hook names through LINQ.
/// Absolute tokens/s against PyTorch is <c>atlas bench forward --torch</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class ForwardBenchmarks
{
    private const string SaeHook = "blocks.8.hook_resid_pre";
    private const int DSae = 24576;

    private string? _directory;
    private Gpt2Model? _model;
    private int[] _tokens = [];         // [B·T]
    private float[] _logits = [];       // [B, T, V]
    private float[] _features = [];     // [B·T, S]
    private RunOptions _withSae = RunOptions.Default;

    /// <summary>Sequences per forward pass and tokens per sequence.</summary>
    public readonly record struct Shape(int Batch, int Seq)
    {
        public override string ToString() => $"{Batch}x{Seq}";
    }

    public static IEnumerable<Shape> Shapes => [new(1, 64), new(8, 128)];

    [ParamsSource(nameof(Shapes))]
    public Shape BxT { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = Gpt2Config.Gpt2Small;
        _directory = Directory.CreateTempSubdirectory("featureatlas-bench-").FullName;
        Gpt2Initializer.Write(_directory, config, seed: 0);
        _model = Gpt2Model.Load(_directory);

        var rows = BxT.Batch * BxT.Seq;
        var random = new Random(0);
        _tokens = new int[rows];
        for (var i = 0; i < rows; i++) _tokens[i] = random.Next(config.Vocab);
        _logits = new float[(long)rows * config.Vocab];

        var sae = SaeInitializer.Create(config, "m", SaeHook, DSae, SaeArchitecture.Standard, seed: 0);
        _features = new float[(long)rows * sae.DSae];
        var features = _features;
        // Encoded where the activation is computed, with no cache copy, as `atlas bench forward` does.
        _withSae = new RunOptions
        {
            Hooks = new Dictionary<string, ActivationHook> { [sae.HookName] = (_, _, values) => sae.Encode(values, rows, features) },
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void Forward() => _model!.Run(_tokens, BxT.Batch, RunOptions.Default, _logits);

    [Benchmark]
    public void ForwardWithSae() => _model!.Run(_tokens, BxT.Batch, _withSae, _logits);
}
