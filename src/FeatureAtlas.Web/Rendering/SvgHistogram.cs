using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A histogram as inline SVG, drawn from its bars: each non-empty bar a rect at its place with a title giving its
/// centre and count; empty bars draw nothing (a feature's 256-bar activation histogram is mostly empty).
/// </summary>
public static class SvgHistogram
{
    public static IHtmlContent Render(Histogram histogram, string label, string colour = "#f97316", int width = 420, int height = 120, Func<double, string>? formatValue = null)
    {
        formatValue ??= static v => v.ToString("0.###", CultureInfo.InvariantCulture);
        var inv = CultureInfo.InvariantCulture;
        var bars = histogram.BarHeights.Length;
        var encoder = HtmlEncoder.Default;
        var sb = new StringBuilder(256);
        sb.Append(inv, $"<svg class=\"hist\" role=\"img\" aria-label=\"{encoder.Encode(label)}\" viewBox=\"0 0 {width} {height + 18}\" width=\"{width}\" height=\"{height + 18}\">");
        if (bars == 0)
        {
            sb.Append(inv, $"<text x=\"4\" y=\"{height / 2}\" class=\"axis\">no data</text></svg>");
            return new HtmlString(sb.ToString());
        }
        var max = Math.Max(1, histogram.BarHeights.Max());
        var w = (double)width / bars;
        var fill = encoder.Encode(colour);
        for (var i = 0; i < bars; i++)
        {
            var count = histogram.BarHeights[i];
            if (count == 0) continue;
            var h = Math.Max(1, count * (double)height / max);
            sb.Append(inv, $"<rect x=\"{i * w:0.##}\" y=\"{height - h:0.##}\" width=\"{Math.Max(0.5, w - 1):0.##}\" height=\"{h:0.##}\" fill=\"{fill}\"><title>")
              .Append(encoder.Encode(formatValue(histogram.BarValues[i])))
              .Append(inv, $": {count:N0}</title></rect>");
        }
        sb.Append(inv, $"<text x=\"0\" y=\"{height + 14}\" class=\"axis\">{encoder.Encode(formatValue(histogram.BarValues[0]))}</text>");
        sb.Append(inv, $"<text x=\"{width}\" y=\"{height + 14}\" class=\"axis\" text-anchor=\"end\">{encoder.Encode(formatValue(histogram.BarValues[^1]))}</text>");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }
}
