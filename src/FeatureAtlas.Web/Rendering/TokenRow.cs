using System.Buffers;
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
    private static readonly ConcurrentDictionary<string, TokenMarkup> ByText = new(StringComparer.Ordinal);
    // ByText's size, counted here: ConcurrentDictionary.Count takes every lock of the table, and with 64 requests
    // rendering at once that lock convoy took 37% of a feature page's time (dotnet-trace, 600k synthetic features).
    private static int s_cached;
    // By vocabulary id, for ids below 2^17 (GPT-2 has 50,257).
    private static readonly TokenMarkup?[] ById = new TokenMarkup?[1 << 17];

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
            var (from, to) = full ? (0, e.Tokens.Length - 1) : Collapsed(e.Tokens.Length, e.MaxValueTokenIndex);
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
                for (var i = from; i <= to; i++) Token(ref row, encoder, i);
                if (to < e.Tokens.Length - 1) row.Append(Gap);
                row.Append("</div>");
                writer.Write(row.Chars, 0, row.Length);
            }
            finally
            {
                row.Return();
            }
        }

        private void Token(ref CharBuffer row, HtmlEncoder encoder, int i)
        {
            var v = e.Values[i];
            var markup = Markup(e.Tokens[i], e.Ids is { } ids ? ids[i] : -1, encoder);
            if (!(v > 0))
            {
                row.Append(markup.Inactive);
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
            row.Append(markup.Visible);
            row.Append("</span>");
        }

        // As ViewHelpers.Value formats, without a string per value.
        private static void Format(ref CharBuffer row, float value)
        {
            if (!float.IsFinite(value) || !row.TryAppend(value, Math.Abs(value) >= 1 || value == 0 ? "0.###" : "G3")) row.Append(HtmlEncoder.Default.Encode(ViewHelpers.Value(value)));
        }
    }

    /// <summary>A growable char buffer rented from the shared pool.</summary>
    private struct CharBuffer(int capacity)
    {
        public char[] Chars = ArrayPool<char>.Shared.Rent(capacity);
        public int Length;

        public void Append(string text)
        {
            Ensure(text.Length);
            text.CopyTo(0, Chars, Length, text.Length);
            Length += text.Length;
        }

        public bool TryAppend(float value, string format)
        {
            Ensure(32);
            if (!value.TryFormat(Chars.AsSpan(Length), out var written, format, CultureInfo.InvariantCulture)) return false;
            Length += written;
            return true;
        }

        public void Return() => ArrayPool<char>.Shared.Return(Chars);

        private void Ensure(int more)
        {
            if (Length + more <= Chars.Length) return;
            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(Chars.Length * 2, Length + more));
            Chars.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<char>.Shared.Return(Chars);
            Chars = bigger;
        }
    }

    /// <summary>
    /// A token's markup: its text encoded with whitespace made visible, and an inactive token's whole span. Found by
    /// vocabulary id when the row has ids (an array read: the page's ~1,800 tokens are random vocabulary entries, and a
    /// dictionary lookup cost several cache misses each), else by the token's text.
    /// </summary>
    private static TokenMarkup Markup(string token, int id, HtmlEncoder encoder)
    {
        if ((uint)id < (uint)ById.Length && ById[id] is { } known && ReferenceEquals(known.Token, token)) return known;
        if (!ByText.TryGetValue(token, out var markup))
        {
            var visible = encoder.Encode(ViewHelpers.Visible(token));
            markup = new TokenMarkup(token, visible, "<span class=\"tok\">" + visible + "</span>");
            if (Volatile.Read(ref s_cached) < MaxCached && ByText.TryAdd(token, markup)) Interlocked.Increment(ref s_cached);
        }
        // Keyed by id as well when the id is a vocabulary id; the token string checks the entry (one vocabulary's
        // strings are the same instances every time), so another vocabulary only misses.
        if ((uint)id < (uint)ById.Length) ById[id] = markup with { Token = token };
        return markup;
    }

    private sealed record TokenMarkup(string Token, string Visible, string Inactive);
}
