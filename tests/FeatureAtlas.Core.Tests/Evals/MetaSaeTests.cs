using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Core.Tests.Evals;

/// <summary>decoder_fraction_variance_explained against tests/reference/make_meta_sae_golden.py (PyTorch autograd and Adam, float64).</summary>
public sealed class MetaSaeTests
{
    private static readonly JsonNode Gold = JsonNode.Parse(File.ReadAllText(Golden.Path("meta_sae_golden.json")))!;

    private static (float[] Decoder, int Rows, int DIn, MetaSaeOptions Options) Input()
    {
        var options = new MetaSaeOptions
        {
            WidthRatio = (double)Gold["width_ratio"]!, K = (int)Gold["k"]!, BatchSize = (int)Gold["batch_size"]!,
            Steps = (int)Gold["steps"]!, LearningRate = (double)Gold["learning_rate"]!,
        };
        return (Gold["decoder"]!.AsArray().Select(v => (float)v!).ToArray(), (int)Gold["rows"]!, (int)Gold["d_in"]!, options);
    }

    [Fact]
    public void Evaluate_Untrained_MatchesPyTorchExactly()
    {
        var (decoder, rows, dIn, options) = Input();

        var (fve, _) = MetaSae.Evaluate(decoder, rows, dIn, options with { Steps = 0 });

        // No training: the initialisation and the BatchTopK encode alone, float32 against float64.
        Assert.Equal((double)Gold["fve_untrained"]!, fve, 4);
    }

    [Fact]
    public void Evaluate_Trained_MatchesPyTorch()
    {
        var (decoder, rows, dIn, options) = Input();

        var (fve, loss) = MetaSae.Evaluate(decoder, rows, dIn, options);

        // 60 Adam steps in float32 against float64: the trajectories drift apart slightly.
        Assert.InRange(fve, (double)Gold["fve"]! - 0.01, (double)Gold["fve"]! + 0.01);
        Assert.InRange(loss, (double)Gold["last_loss"]! * 0.95, (double)Gold["last_loss"]! * 1.05);
        Assert.InRange(fve, 0.5, 1);   // the rows share parts: the meta-SAE finds them
    }

    [Fact]
    public void KthLargest_AnyOrder_IsTheSortedValue()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 257).Select(_ => (float)random.NextDouble()).Concat([0.5f, 0.5f, 0f, 0f]).ToArray();
        var sorted = values.OrderDescending().ToArray();
        var scratch = new float[values.Length];

        foreach (var k in new[] { 1, 2, 100, 259, values.Length })
        {
            Assert.Equal(sorted[k - 1], MetaSae.KthLargest(values, scratch, k));
        }
    }

    [Fact]
    public void Evaluate_BadShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => MetaSae.Evaluate(new float[10], 3, 4, new MetaSaeOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaSae.Evaluate(new float[4], 1, 4, new MetaSaeOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaSae.Evaluate(new float[8], 2, 4, new MetaSaeOptions { K = 0 }));
    }
}
