using System.Text.Encodings.Web;
using System.Xml.Linq;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Web.Rendering;

namespace FeatureAtlas.Web.Tests.Rendering;

/// <summary>Histogram SVGs: one titled rect per non-empty bar, at that bar's place and scaled to the tallest.</summary>
public sealed class SvgHistogramTests
{
    private static XElement Svg(Histogram histogram, int width, int height)
    {
        using var writer = new StringWriter();
        SvgHistogram.Render(histogram, "label <b>", "#123456", width, height).WriteTo(writer, HtmlEncoder.Default);
        return XElement.Parse(writer.ToString());
    }

    [Fact]
    public void Render_EmptyBarsSkipped_OthersPlacedAndScaled()
    {
        var svg = Svg(new Histogram([0.5, 1.5, 2.5, 3.5], [0, 3, 0, 1200]), width: 400, height: 100);

        var rects = svg.Elements("rect").ToArray();
        Assert.Equal(2, rects.Length);
        // Bars are 100 wide (400 / 4), drawn 99 wide; heights scale to the tallest (1,200 → 100; 3 → 0.25, shown as 1).
        Assert.Equal(["100", "300"], rects.Select(r => (string)r.Attribute("x")!));
        Assert.Equal(["99", "99"], rects.Select(r => (string)r.Attribute("width")!));
        Assert.Equal(["1", "100"], rects.Select(r => (string)r.Attribute("height")!));
        Assert.Equal(["99", "0"], rects.Select(r => (string)r.Attribute("y")!));
        Assert.Equal(["1.5: 3", "3.5: 1,200"], rects.Select(r => r.Element("title")!.Value));
        Assert.All(rects, r => Assert.Equal("#123456", (string)r.Attribute("fill")!));
        Assert.Equal("label <b>", (string)svg.Attribute("aria-label")!);
        Assert.Equal(["0.5", "3.5"], svg.Elements("text").Select(t => t.Value));
    }

    [Fact]
    public void Render_NoBars_SaysNoData()
    {
        var svg = Svg(new Histogram([], []), width: 200, height: 50);

        Assert.Empty(svg.Elements("rect"));
        Assert.Equal("no data", svg.Element("text")!.Value);
    }
}
