using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Generation;

/// <summary>Incremental decoding with the key/value cache against a full recompute of the whole sequence.</summary>
public sealed class KeyValueCacheTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly Gpt2Model _model;

    public KeyValueCacheTests()
    {
        var config = new Gpt2Config { Layers = 2, DModel = 64, Heads = 4, Positions = 192, Vocab = 509, DMlp = 256 };
        Gpt2Initializer.Write(_folder.Path, config, seed: 7);
        _model = Gpt2Model.Load(_folder.Path);
    }

    [Fact]
    public void RunCached_128DecodeSteps_LogitsEqualFullRecompute()
    {
        var vocab = _model.Config.Vocab;
        var tokens = Enumerable.Range(0, 32).Select(i => (i * 37 + 11) % vocab).ToList();
        var cache = _model.CreateKeyValueCache(1, 32 + 128);
        var options = new RunOptions { LogitsLastPositionOnly = true };
        var cached = new float[vocab];
        var full = new float[vocab];
        _model.RunCached(tokens.ToArray(), cache, options, cached);

        var worst = 0.0;
        for (var step = 0; step < 128; step++)
        {
            _model.Run(tokens.ToArray(), 1, options, full);
            var scale = full.Max(Math.Abs);
            for (var j = 0; j < vocab; j++) worst = Math.Max(worst, Math.Abs(cached[j] - full[j]) / scale);
            var next = Array.IndexOf(full, full.Max());
            tokens.Add(next);
            _model.RunCached([next], cache, options, cached);
        }

        Assert.True(worst <= 1e-5, $"largest difference {worst:E2} of the largest logit.");
        Assert.Equal(160, cache.Length);
    }

    [Fact]
    public void RunCached_HooksSeeOnlyTheNewPositions()
    {
        var cache = _model.CreateKeyValueCache(2, 8);
        var shapes = new List<int[]>();
        var options = new RunOptions
        {
            Hooks = new Dictionary<string, ActivationHook> { [HookNames.ResidPre(1)] = (_, shape, _) => shapes.Add(shape.ToArray()) },
            LogitsLastPositionOnly = true,
        };
        var logits = new float[2 * _model.Config.Vocab];
        _model.RunCached([1, 2, 3, 4, 5, 6], cache, options, logits);
        _model.RunCached([7, 8], cache, options, logits);

        Assert.Equal([2, 3, 64], shapes[0]);
        Assert.Equal([2, 1, 64], shapes[1]);
    }

    [Fact]
    public void RunCached_DecodeStep_AllocatesNothing()
    {
        var cache = _model.CreateKeyValueCache(2, 40);
        var options = new RunOptions { LogitsLastPositionOnly = true };
        var logits = new float[2 * _model.Config.Vocab];
        _model.RunCached(new int[2 * 8], cache, options, logits);
        _model.RunCached([1, 2], cache, options, logits);

        var fewest = long.MaxValue;
        for (var call = 0; call < 5; call++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            _model.RunCached([3, 4], cache, options, logits);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }

    [Fact]
    public void RunCached_PastCapacity_ErrorNamesTheCapacity()
    {
        var cache = _model.CreateKeyValueCache(1, 4);
        var logits = new float[_model.Config.Vocab];
        _model.RunCached([1, 2, 3, 4], cache, new RunOptions { LogitsLastPositionOnly = true }, logits);

        var error = Assert.Throws<ArgumentException>(() => _model.RunCached([5], cache, new RunOptions { LogitsLastPositionOnly = true }, logits));
        Assert.Contains("4 of 4", error.Message);
    }

    public void Dispose() => _folder.Dispose();
}
