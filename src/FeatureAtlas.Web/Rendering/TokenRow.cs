using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// One example's tokens as HTML, written straight to the response: a row of spans shaded by activation (orange with
/// opacity value / scale, at least 0.08, as Neuronpedia shades them; wwwroot/js/tokens.js draws the same), the
/// context around the highlighted token shown and the rest in <c>.far</c> spans hidden until "show full context". Inactive tokens are bare <c>&lt;span class="tok"&gt;</c>s
/// whose encoded markup is cached per token, and no whitespace falls between spans (it would show as a space
/// between tokens). A feature page holds 45 rows of 128 tokens: as a Razor partial per row this took about
/// 1 MB of allocation and a third of the page's time; written here, a small fraction of either.
/// </summary>
public static class TokenRow
{
    /// <summary>Tokens shown before the highlighted one; the rest are "far" context.</summary>
    public const int Before = 32;

    /// <summary>Tokens shown after the highlighted one.</summary>
    public const int After = 8;

    // Token text → encoded visible text. Keys are vocabulary strings (50,257 for GPT-2), so the cache stays bounded;
    // past MaxCached it stops adding, in case some other text ever comes this way.
    private const int MaxCached = 200_000;
    // Keyed by token alone: one site encodes with one HtmlEncoder.
    private static readonly ConcurrentDictionary<string, string> Encoded = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> InactiveSpans = new(StringComparer.Ordinal);

    public static IHtmlContent Render(ExampleView example, float scale) => new Row(example, scale);

    private sealed class Row(ExampleView e, float scale) : IHtmlContent
    {
        public void WriteTo(TextWriter writer, HtmlEncoder encoder)
        {
            var from = Math.Max(0, e.MaxValueTokenIndex - Before);
            var to = Math.Min(e.Tokens.Length - 1, e.MaxValueTokenIndex + After);
            var max = ViewHelpers.Value(e.MaxValue);
            writer.Write("<div class=\"tokens\" data-max=\"");
            encoder.Encode(writer, max);
            writer.Write("\"><span class=\"ex-max\" title=\"max activation\">");
            encoder.Encode(writer, max);
            writer.Write("</span>");
            if (from > 0)
            {
                writer.Write("<span class=\"far\">");
                for (var i = 0; i < from; i++) Token(writer, encoder, i);
                writer.Write("</span>");
            }
            for (var i = from; i <= to; i++) Token(writer, encoder, i);
            if (to < e.Tokens.Length - 1)
            {
                writer.Write("<span class=\"far\">");
                for (var i = to + 1; i < e.Tokens.Length; i++) Token(writer, encoder, i);
                writer.Write("</span>");
            }
            writer.Write("</div>");
        }

        private void Token(TextWriter writer, HtmlEncoder encoder, int i)
        {
            var v = e.Values[i];
            if (!(v > 0))
            {
                writer.Write(Inactive(e.Tokens[i], encoder));
                return;
            }
            writer.Write(i == e.MaxValueTokenIndex ? "<span class=\"tok on peak\" style=\"" : "<span class=\"tok on\" style=\"");
            // The style and title are digits, letters and ":(),." only, which no HTML encoder changes; formatted
            // into a stack buffer, as ViewHelpers.Value would, without a string per token.
            Span<char> buffer = stackalloc char[64];
            if (scale > 0)
            {
                writer.Write("background-color:rgba(255,140,0,");
                Format(writer, buffer, Math.Clamp(v / scale, 0.08f, 1f));
                writer.Write(')');
            }
            writer.Write("\" title=\"");
            Format(writer, buffer, v);
            writer.Write("\">");
            writer.Write(Visible(e.Tokens[i], encoder));
            writer.Write("</span>");
        }

        private static void Format(TextWriter writer, Span<char> buffer, float value)
        {
            if (float.IsFinite(value) && value.TryFormat(buffer, out var n, "0.###", CultureInfo.InvariantCulture)) writer.Write(buffer[..n]);
            else writer.Write(HtmlEncoder.Default.Encode(ViewHelpers.Value(value)));
        }
    }

    /// <summary>The token's text, encoded with whitespace made visible.</summary>
    private static string Visible(string token, HtmlEncoder encoder) => Cached(Encoded, token, t => encoder.Encode(ViewHelpers.Visible(t)));

    /// <summary>An inactive token's whole span.</summary>
    private static string Inactive(string token, HtmlEncoder encoder) => Cached(InactiveSpans, token, t => "<span class=\"tok\">" + Visible(t, encoder) + "</span>");

    private static string Cached(ConcurrentDictionary<string, string> cache, string token, Func<string, string> make)
    {
        if (cache.TryGetValue(token, out var html)) return html;
        html = make(token);
        if (cache.Count < MaxCached) cache.TryAdd(token, html);
        return html;
    }
}
