using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using FeatureAtlas.Core.Dashboards;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>A histogram as inline SVG, drawn from its bars: each bar has a title with its centre and count.</summary>
public static class SvgHistogram
{
    public static IHtmlContent Render(Histogram histogram, string label, string colour = "#f97316", int width = 420, int height = 120, Func<double, string>? formatValue = null)
    {
        formatValue ??= v => v.ToString("0.###", CultureInfo.InvariantCulture);
        var bars = histogram.BarHeights.Length;
        var sb = new StringBuilder();
        var encoder = HtmlEncoder.Default;
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"hist\" role=\"img\" aria-label=\"{encoder.Encode(label)}\" viewBox=\"0 0 {width} {height + 18}\" width=\"{width}\" height=\"{height + 18}\">");
        if (bars == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{height / 2}\" class=\"axis\">no data</text></svg>");
            return new HtmlString(sb.ToString());
        }
        var max = Math.Max(1, histogram.BarHeights.Max());
        var w = (double)width / bars;
        for (var i = 0; i < bars; i++)
        {
            var h = histogram.BarHeights[i] == 0 ? 0 : Math.Max(1, histogram.BarHeights[i] * (double)height / max);
            var title = $"{formatValue(histogram.BarValues[i])}: {histogram.BarHeights[i]:N0}";
            sb.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{i * w:0.##}\" y=\"{height - h:0.##}\" width=\"{Math.Max(0.5, w - 1):0.##}\" height=\"{h:0.##}\" fill=\"{colour}\"><title>{encoder.Encode(title)}</title></rect>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{height + 14}\" class=\"axis\">{encoder.Encode(formatValue(histogram.BarValues[0]))}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width}\" y=\"{height + 14}\" class=\"axis\" text-anchor=\"end\">{encoder.Encode(formatValue(histogram.BarValues[^1]))}</text>");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }
}
