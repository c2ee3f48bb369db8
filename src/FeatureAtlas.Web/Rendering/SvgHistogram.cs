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
        var barWidth = Math.Max(0.5, w - 1).ToString("0.##", inv);
        // Numbers go through DecimalText ("0.##", and "0.###" for bar values): a feature page draws ~80 bars, and
        // formatting their ~400 numbers through composite format strings was 4% of the page's CPU.
        for (var i = 0; i < bars; i++)
        {
            var count = histogram.BarHeights[i];
            if (count == 0) continue;
            var h = Math.Max(1, count * (double)height / max);
            DecimalText.Append(sb.Append("<rect x=\""), i * w, 2);
            DecimalText.Append(sb.Append("\" y=\""), height - h, 2);
            sb.Append("\" width=\"").Append(barWidth).Append("\" height=\"");
            DecimalText.Append(sb, h, 2).Append("\" fill=\"").Append(fill).Append("\"><title>");
            Value(sb, histogram.BarValues[i]).Append(": ").Append(count.ToString("N0", inv)).Append("</title></rect>");
        }
        Value(sb.Append(inv, $"<text x=\"0\" y=\"{height + 14}\" class=\"axis\">"), histogram.BarValues[0]).Append("</text>");
        Value(sb.Append(inv, $"<text x=\"{width}\" y=\"{height + 14}\" class=\"axis\" text-anchor=\"end\">"), histogram.BarValues[^1]).Append("</text>");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());

        // A bar's value: "0.###" (digits, '.' and '-' only, which no encoder changes) unless the caller formats it.
        StringBuilder Value(StringBuilder to, double value) =>
            formatValue is null ? DecimalText.Append(to, value, 3) : to.Append(encoder.Encode(formatValue(value)));
    }
}
