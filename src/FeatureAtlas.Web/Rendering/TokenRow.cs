using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// One example's tokens as HTML, written straight to the response: a row of spans shaded by activation (orange with
/// opacity value / scale, at least 0.08, as Neuronpedia shades them; wwwroot/js/tokens.js draws the same).
/// Collapsed, a row holds only the context around the highlighted token (<see cref="Before"/> and <see cref="After"/>
/// tokens), with a <c>.gap</c> mark where the window goes on; full, every token of the window. A feature page's 45
/// rows are collapsed, so the page carries about a third of its windows' tokens; "show full context" fetches the
/// full rows (<c>/{model}/{sae}/{index}/examples</c>). Inactive tokens are bare <c>&lt;span class="tok"&gt;</c>s
/// whose encoded markup is cached per token, and no whitespace falls between spans (it would show as a space
/// between tokens).
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

    /// <summary>The row of <paramref name="example"/>: every token when <paramref name="full"/>, else the context around its peak.</summary>
    public static IHtmlContent Render(ExampleView example, float scale, bool full) => new Row(example, scale, full);

    /// <summary>The first and last token a collapsed row shows.</summary>
    public static (int From, int To) Collapsed(int length, int peak) => (Math.Max(0, peak - Before), Math.Min(length - 1, peak + After));

    private sealed class Row(ExampleView e, float scale, bool full) : IHtmlContent
    {
        private const string Gap = "<span class=\"gap\" aria-hidden=\"true\">…</span>";

        public void WriteTo(TextWriter writer, HtmlEncoder encoder)
        {
            var (from, to) = full ? (0, e.Tokens.Length - 1) : Collapsed(e.Tokens.Length, e.MaxValueTokenIndex);
            var max = ViewHelpers.Value(e.MaxValue);
            writer.Write("<div class=\"tokens\" data-max=\"");
            encoder.Encode(writer, max);
            writer.Write("\"><span class=\"ex-max\" title=\"max activation\">");
            encoder.Encode(writer, max);
            writer.Write("</span>");
            if (from > 0) writer.Write(Gap);
            for (var i = from; i <= to; i++) Token(writer, encoder, i);
            if (to < e.Tokens.Length - 1) writer.Write(Gap);
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
    private static string Visible(string token, HtmlEncoder encoder) =>
        Cached(Encoded, token, encoder, static (t, e) => e.Encode(ViewHelpers.Visible(t)));

    /// <summary>An inactive token's whole span.</summary>
    private static string Inactive(string token, HtmlEncoder encoder) =>
        Cached(InactiveSpans, token, encoder, static (t, e) => "<span class=\"tok\">" + Visible(t, e) + "</span>");

    // Static factories with the encoder passed in: a capturing lambda here cost a delegate per token.
    private static string Cached(ConcurrentDictionary<string, string> cache, string token, HtmlEncoder encoder, Func<string, HtmlEncoder, string> make)
    {
        if (cache.TryGetValue(token, out var html)) return html;
        html = make(token, encoder);
        if (cache.Count < MaxCached) cache.TryAdd(token, html);
        return html;
    }
}
