using System.Text.Encodings.Web;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Every token of one vocabulary (display strings by id) and its example-row markup, encoded once: an inactive
/// token's whole <c>&lt;span class="tok"&gt;</c> and, inside it, the token's visible text (whitespace shown,
/// HTML-encoded). The markup lies in one char array, found by vocabulary id: a feature page's ~1,800 tokens are random vocabulary entries,
/// and a token read this way touches two cache lines where objects per token touched four (the markup lookup was
/// 7.8% of a page's CPU under load on 600k synthetic features).
/// </summary>
public sealed class VocabularyMarkup
{
    private const string Open = "<span class=\"tok\">";
    private const string Close = "</span>";

    // Token id's span is _chars[_starts[id] .. _starts[id + 1]); its visible text is that span less Open and Close.
    private readonly char[] _chars;
    private readonly int[] _starts;
    private readonly string[] _tokens;

    /// <summary>Encodes <paramref name="tokens"/> (display strings by id) with <paramref name="encoder"/>.</summary>
    public VocabularyMarkup(IReadOnlyList<string> tokens, HtmlEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(encoder);
        Encoder = encoder;
        _tokens = [.. tokens];
        _starts = new int[tokens.Count + 1];
        var spans = new string[tokens.Count];
        var length = 0;
        for (var id = 0; id < tokens.Count; id++)
        {
            spans[id] = Open + encoder.Encode(ViewHelpers.Visible(tokens[id])) + Close;
            _starts[id] = length;
            length += spans[id].Length;
        }
        _starts[tokens.Count] = length;
        _chars = new char[length];
        for (var id = 0; id < spans.Length; id++) spans[id].CopyTo(_chars.AsSpan(_starts[id]));
    }

    /// <summary>The encoder the markup was written with; a row written for another encoder must not use it.</summary>
    public HtmlEncoder Encoder { get; }

    /// <summary>Tokens in the vocabulary.</summary>
    public int Count => _starts.Length - 1;

    /// <summary>The display strings of <paramref name="ids"/>.</summary>
    public string[] Strings(ReadOnlySpan<int> ids)
    {
        var strings = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++) strings[i] = _tokens[ids[i]];
        return strings;
    }

    /// <summary>Token <paramref name="id"/> inactive: <c>&lt;span class="tok"&gt;text&lt;/span&gt;</c>.</summary>
    public ReadOnlySpan<char> Inactive(int id) => _chars.AsSpan(_starts[id], _starts[id + 1] - _starts[id]);

    /// <summary>Token <paramref name="id"/>'s visible, encoded text.</summary>
    public ReadOnlySpan<char> Visible(int id)
    {
        var start = _starts[id] + Open.Length;
        return _chars.AsSpan(start, _starts[id + 1] - Close.Length - start);
    }
}
