using System.Text.Json;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>
/// The synthetic dashboards behind `atlas seed-synthetic`: the same seed gives the same database, in any order,
/// and every feature is shaped like a built one so the pages render as real ones do.
/// </summary>
public class SyntheticAtlasDashboardsTests
{
    private const int Windows = 300;

    private static string Json(object value) => JsonSerializer.Serialize(value);

    [Fact]
    public void Feature_SameSeedSaeAndIndex_IsIdentical()
    {
        Assert.Equal(Json(SyntheticAtlasDashboards.Feature(7, 3, 1234, Windows)), Json(SyntheticAtlasDashboards.Feature(7, 3, 1234, Windows)));
        Assert.Equal(Json(SyntheticAtlasDashboards.Window(7, 42)), Json(SyntheticAtlasDashboards.Window(7, 42)));
    }

    [Fact]
    public void Feature_OtherSeedSaeOrIndex_Differs()
    {
        var f = Json(SyntheticAtlasDashboards.Feature(7, 3, 1234, Windows));
        Assert.NotEqual(f, Json(SyntheticAtlasDashboards.Feature(8, 3, 1234, Windows)));
        Assert.NotEqual(f, Json(SyntheticAtlasDashboards.Feature(7, 4, 1234, Windows)));
        Assert.NotEqual(f, Json(SyntheticAtlasDashboards.Feature(7, 3, 1235, Windows)));
    }

    [Fact]
    public void Create_EnumeratedFeatures_MatchOnDemandFeaturesAndSummary()
    {
        var sae = SyntheticAtlasDashboards.Create(seed: 1, sae: 2, dSae: 200, Windows, "synthetic-res-L2", "blocks.2.hook_resid_pre");
        var listed = sae.Features.ToList();
        Assert.Equal(200, listed.Count);
        for (var i = 0; i < listed.Count; i += 37) Assert.Equal(Json(SyntheticAtlasDashboards.Feature(1, 2, i, Windows)), Json(listed[i]));
        Assert.Equal(listed.Count(f => f.Top.Count == 0), sae.DeadFeatures);
        Assert.Equal(200 - sae.DeadFeatures, sae.LogDensityHistogram.BarHeights.Sum());
    }

    [Fact]
    public void Feature_IsShapedLikeABuiltDashboard()
    {
        for (var index = 0; index < 100; index++)
        {
            var f = SyntheticAtlasDashboards.Feature(1, 0, index, Windows);
            if (f.Top.Count == 0) continue;   // dead
            Assert.Equal(20, f.Top.Count);
            Assert.Equal(5, f.Intervals.Count);
            Assert.Equal([4, 3, 2, 1, 0], f.Intervals.Select(g => g.Interval));
            Assert.All(f.Intervals, g => Assert.Equal(5, g.Examples.Count));
            Assert.Equal(f.Top.OrderByDescending(e => e.Value).Select(e => e.Value), f.Top.Select(e => e.Value));
            foreach (var e in f.Top.Concat(f.Intervals.SelectMany(g => g.Examples)))
            {
                Assert.InRange(e.Window, 0, Windows - 1);
                Assert.Equal(e.Positions.Order(), e.Positions);
                Assert.Equal(e.Value, e.Values[Array.IndexOf(e.Positions, e.Position)]);
                Assert.All(e.Values, v => Assert.True(v <= e.Value));
            }
            Assert.Equal(50, f.ActivationHistogram.BarHeights.Length);
            Assert.Equal(10, f.Logits!.PositiveTokens.Length);
            Assert.InRange(f.MaxActivation, f.MinNonzeroActivation, 30);
        }
    }
}
