using System.Collections.Concurrent;
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
/// whose encoded markup is copied from the row's <see cref="VocabularyMarkup"/> (or, for rows of text without ids,
/// cached per token), and no whitespace falls between spans (it would show as a space between tokens).
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
    private static readonly ConcurrentDictionary<string, TokenMarkup> ByText = new(StringComparer.Ordinal);
    // ByText's size, counted here: ConcurrentDictionary.Count takes every lock of the table, and with 64 requests
    // rendering at once that lock convoy took 37% of a feature page's time (dotnet-trace, 600k synthetic features).
    private static int s_cached;

    /// <summary>The row of <paramref name="example"/>: every token when <paramref name="full"/>, else the context around its peak.</summary>
    public static IHtmlContent Render(ExampleView example, float scale, bool full) => new Row(example, scale, full);

    /// <summary>The first and last token a collapsed row shows.</summary>
    public static (int From, int To) Collapsed(int length, int peak) => (Math.Max(0, peak - Before), Math.Min(length - 1, peak + After));

    private sealed class Row(ExampleView e, float scale, bool full) : IHtmlContent
    {
        private const string Gap = "<span class=\"gap\" aria-hidden=\"true\">…</span>";

        // The row is assembled in a pooled buffer and handed to the writer in one call: a write per piece (about six
        // per token) cost more than the rest of the row's work.
        public void WriteTo(TextWriter writer, HtmlEncoder encoder)
        {
            var (from, to) = full ? (0, e.Length - 1) : Collapsed(e.Length, e.MaxValueTokenIndex);
            var vocabulary = e.Vocabulary is { } v && ReferenceEquals(v.Encoder, encoder) ? v : null;
            var max = encoder.Encode(ViewHelpers.Value(e.MaxValue));
            var row = new CharBuffer(4096);
            try
            {
                row.Append("<div class=\"tokens\" data-max=\"");
                row.Append(max);
                row.Append("\"><span class=\"ex-max\" title=\"max activation\">");
                row.Append(max);
                row.Append("</span>");
                if (from > 0) row.Append(Gap);
                if (e.Sparse is { } sparse)
                {
                    // Walk the non-zero activations beside the tokens.
                    var (positions, values) = (sparse.Positions, sparse.Values);
                    var next = Array.BinarySearch(positions, from);
                    if (next < 0) next = ~next;
                    for (var i = from; i <= to; i++)
                    {
                        var on = next < positions.Length && positions[next] == i;
                        Token(ref row, vocabulary, encoder, i, on ? values[next++] : 0f);
                    }
                }
                else
                {
                    for (var i = from; i <= to; i++) Token(ref row, vocabulary, encoder, i, e.Values[i]);
                }
                if (to < e.Length - 1) row.Append(Gap);
                row.Append("</div>");
                row.WriteTo(writer);
            }
            finally
            {
                row.Return();
            }
        }

        private void Token(ref CharBuffer row, VocabularyMarkup? vocabulary, HtmlEncoder encoder, int i, float v)
        {
            var markup = vocabulary is null ? Markup(e.Tokens[i], encoder) : null;
            if (!(v > 0))
            {
                row.Append(markup is null ? vocabulary!.Inactive(e.Ids![i]) : markup.Inactive);
                return;
            }
            row.Append(i == e.MaxValueTokenIndex ? "<span class=\"tok on peak\" style=\"" : "<span class=\"tok on\" style=\"");
            // The style and title are digits, letters and ":(),." only, which no HTML encoder changes.
            if (scale > 0)
            {
                row.Append("background-color:rgba(255,140,0,");
                Format(ref row, Math.Clamp(v / scale, 0.08f, 1f));
                row.Append(")");
            }
            row.Append("\" title=\"");
            Format(ref row, v);
            row.Append("\">");
            row.Append(markup is null ? vocabulary!.Visible(e.Ids![i]) : markup.Visible);
            row.Append("</span>");
        }

        // As ViewHelpers.Value formats, without a string per value.
        private static void Format(ref CharBuffer row, float value)
        {
            if (!float.IsFinite(value) || !row.TryAppendValue(value)) row.Append(HtmlEncoder.Default.Encode(ViewHelpers.Value(value)));
        }
    }

    /// <summary>A token's markup, by its text: its text encoded with whitespace made visible, and an inactive token's whole span.</summary>
    private static TokenMarkup Markup(string token, HtmlEncoder encoder)
    {
        if (ByText.TryGetValue(token, out var markup)) return markup;
        var visible = encoder.Encode(ViewHelpers.Visible(token));
        markup = new TokenMarkup(visible, "<span class=\"tok\">" + visible + "</span>");
        if (Volatile.Read(ref s_cached) < MaxCached && ByText.TryAdd(token, markup)) Interlocked.Increment(ref s_cached);
        return markup;
    }

    private sealed record TokenMarkup(string Visible, string Inactive);
}
