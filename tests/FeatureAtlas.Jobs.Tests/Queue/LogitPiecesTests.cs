using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Jobs.Queue;

namespace FeatureAtlas.Jobs.Tests.Queue;

/// <summary>
/// A sharded build's logit tables, computed in pieces by feature range and gathered by the merging worker: what the
/// dashboards get must be what one pass over all features gives, bit for bit, however the features fall into pieces.
/// </summary>
public class LogitPiecesTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]   // more pieces than the narrow SAE has blocks: some pieces hold none of its features
    public void Pieces_Gathered_EqualOnePassOverAllFeatures(int pieces)
    {
        var model = Gpt2Model.Load(fixture.ModelDirectory);
        var saes = new[]
        {
            Sae("blocks.1.hook_resid_pre", 300, seed: 11),   // three blocks of 128, the last of 44
            Sae("blocks.0.attn.hook_z", 96, seed: 12),       // one block, taken to the residual stream through W_O
            Sae("blocks.1.attn.hook_q", 64, seed: 13),       // no direct path to the logits: no tables
        };
        var options = new DashboardOptions { Logits = 7, HistogramBins = 12 };

        var assembly = new LogitPieces.Assembly(saes, pieces, "test job");
        foreach (var index in Enumerable.Range(0, pieces).Reverse())   // the merge reads pieces in any order
        {
            using var state = new MemoryStream();
            LogitPieces.Write(state, model, saes, options, index, pieces);
            state.Position = 0;
            assembly.Read(state);
        }
        var gathered = assembly.Tables();

        for (var s = 0; s < saes.Length; s++)
        {
            var expected = FeatureLogits.Compute(saes[s], model, options);
            if (expected is null)
            {
                Assert.Null(gathered[s]);
                continue;
            }
            Assert.Equal(expected.Length, gathered[s]!.Length);
            for (var f = 0; f < expected.Length; f++) AssertSameTable(expected[f], gathered[s]![f], $"SAE {s} feature {f}");
        }
    }

    [Fact]
    public void Range_CutsAtWholeBlocks_AndCoversEveryFeatureOnce()
    {
        Assert.Equal([(0, 256), (256, 128), (384, 44)], Enumerable.Range(0, 3).Select(i => LogitPieces.Range(428, i, 3)));
        Assert.Equal([(0, 100), (100, 0)], Enumerable.Range(0, 2).Select(i => LogitPieces.Range(100, i, 2)));
    }

    [Fact]
    public void Count_OnePiecePer8192FeaturesOfAllSaes()
    {
        Assert.Equal(1, LogitPieces.Count([96]));
        Assert.Equal(3, LogitPieces.Count([24_576]));
        Assert.Equal(4, LogitPieces.Count([24_576, 1]));
        Assert.Equal(64, LogitPieces.Count([131_072 * 36]));   // capped: more pieces than workers gain nothing
    }

    [Fact]
    public void Assembly_APieceMissing_NamesTheJobAndTheCount()
    {
        var model = Gpt2Model.Load(fixture.ModelDirectory);
        var saes = new[] { Sae("blocks.1.hook_resid_pre", 300, seed: 11) };
        var assembly = new LogitPieces.Assembly(saes, 2, "job 9");
        using var state = new MemoryStream();
        LogitPieces.Write(state, model, saes, new DashboardOptions(), 0, 2);
        state.Position = 0;
        assembly.Read(state);

        var error = Assert.Throws<InvalidDataException>(() => assembly.Tables());
        Assert.Equal("job 9: 1 of 2 logit pieces were read.", error.Message);
    }

    private SparseAutoencoder Sae(string hook, int width, ulong seed)
    {
        var config = Gpt2Config.Load(Path.Combine(fixture.ModelDirectory, "config.json"));
        var sae = SaeInitializer.Create(config, "model", hook, width, SaeArchitecture.Standard, seed);
        sae.FoldDecoderNorms();   // as the dashboard builder does before any table
        return sae;
    }

    private static void AssertSameTable(LogitTable expected, LogitTable actual, string what)
    {
        Assert.True(expected.PositiveTokens.SequenceEqual(actual.PositiveTokens), $"{what}: positive tokens");
        Assert.True(expected.PositiveValues.SequenceEqual(actual.PositiveValues), $"{what}: positive values");
        Assert.True(expected.NegativeTokens.SequenceEqual(actual.NegativeTokens), $"{what}: negative tokens");
        Assert.True(expected.NegativeValues.SequenceEqual(actual.NegativeValues), $"{what}: negative values");
        Assert.True(expected.Histogram.BarValues.SequenceEqual(actual.Histogram.BarValues), $"{what}: histogram bars");
        Assert.True(expected.Histogram.BarHeights.SequenceEqual(actual.Histogram.BarHeights), $"{what}: histogram heights");
    }
}
