using System.Globalization;
using System.Text.Encodings.Web;
using FeatureAtlas.Core.Statistics;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A histogram as inline SVG, drawn from its bars: each non-empty bar a rect at its place with a title giving its
/// centre and count; empty bars draw nothing (a feature's 256-bar activation histogram is mostly empty). The SVG is
/// written when the page is, in one pooled buffer: built as a string, a feature page's two histograms were a quarter
/// of its allocation.
/// </summary>
public static class SvgHistogram
{
    public static IHtmlContent Render(Histogram histogram, string label, string colour = "#f97316", int width = 420, int height = 120, Func<double, string>? formatValue = null)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(colour);
        return new Chart(histogram, label, colour, width, height, formatValue);
    }

    private sealed class Chart(Histogram histogram, string label, string colour, int width, int height, Func<double, string>? formatValue) : IHtmlContent
    {
        // The label, colour and caller's values are encoded by the site's encoder, as the rest of the page (not the
        // writer's, which may differ only in tests).
        public void WriteTo(TextWriter writer, HtmlEncoder _)
        {
            var encoder = HtmlEncoder.Default;
            var bars = histogram.BarHeights.Length;
            // About 120 chars a drawn bar; empty bars draw nothing.
            var svg = new CharBuffer(1024 + 160 * (bars - histogram.BarHeights.AsSpan().Count(0L)));
            try
            {
                svg.Append("<svg class=\"hist\" role=\"img\" aria-label=\"");
                svg.Append(encoder.Encode(label));
                svg.Append("\" viewBox=\"0 0 ");
                svg.Append(width);
                svg.Append(" ");
                svg.Append(height + 18);
                svg.Append("\" width=\"");
                svg.Append(width);
                svg.Append("\" height=\"");
                svg.Append(height + 18);
                svg.Append("\">");
                if (bars == 0)
                {
                    svg.Append("<text x=\"4\" y=\"");
                    svg.Append(height / 2);
                    svg.Append("\" class=\"axis\">no data</text></svg>");
                    svg.WriteTo(writer);
                    return;
                }
                var max = Math.Max(1, histogram.BarHeights.Max());
                var w = (double)width / bars;
                var fill = encoder.Encode(colour);
                var barWidth = Math.Max(0.5, w - 1).ToString("0.##", CultureInfo.InvariantCulture);
                // Numbers go through DecimalText ("0.##", and "0.###" for bar values): a feature page draws ~80 bars, and
                // formatting their ~400 numbers through composite format strings was 4% of the page's CPU.
                for (var i = 0; i < bars; i++)
                {
                    var count = histogram.BarHeights[i];
                    if (count == 0) continue;
                    var h = Math.Max(1, count * (double)height / max);
                    svg.Append("<rect x=\"");
                    svg.Append(i * w, 2);
                    svg.Append("\" y=\"");
                    svg.Append(height - h, 2);
                    svg.Append("\" width=\"");
                    svg.Append(barWidth);
                    svg.Append("\" height=\"");
                    svg.Append(h, 2);
                    svg.Append("\" fill=\"");
                    svg.Append(fill);
                    svg.Append("\"><title>");
                    Value(ref svg, histogram.BarValues[i], encoder);
                    svg.Append(": ");
                    svg.Append(count, "N0");
                    svg.Append("</title></rect>");
                }
                svg.Append("<text x=\"0\" y=\"");
                svg.Append(height + 14);
                svg.Append("\" class=\"axis\">");
                Value(ref svg, histogram.BarValues[0], encoder);
                svg.Append("</text><text x=\"");
                svg.Append(width);
                svg.Append("\" y=\"");
                svg.Append(height + 14);
                svg.Append("\" class=\"axis\" text-anchor=\"end\">");
                Value(ref svg, histogram.BarValues[^1], encoder);
                svg.Append("</text></svg>");
                svg.WriteTo(writer);
            }
            finally
            {
                svg.Return();
            }
        }

        // A bar's value: "0.###" (digits, '.' and '-' only, which no encoder changes) unless the caller formats it.
        private void Value(ref CharBuffer svg, double value, HtmlEncoder encoder)
        {
            if (formatValue is null) svg.Append(value, 3);
            else svg.Append(encoder.Encode(formatValue(value)));
        }
    }
}
