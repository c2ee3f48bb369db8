using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Every token of one vocabulary (display strings by id) and its example-row markup, encoded once: an inactive
/// token's whole <c>&lt;span class="tok"&gt;</c> and, inside it, the token's visible text (whitespace shown,
/// HTML-encoded). The markup lies in one char array, found by vocabulary id: a feature page's ~1,800 tokens are random vocabulary entries,
/// and a token read this way touches two cache lines where objects per token touched four (the markup lookup was
/// 7.8% of a page's CPU under load on 600k synthetic features). The display strings are also kept as JSON, for the
/// API's example rows (<see cref="WriteJsonStrings"/>).
/// </summary>
public sealed class VocabularyMarkup
{
    private const string Open = "<span class=\"tok\">";
    private const string Close = "</span>";

    // Token id's span is _chars[_starts[id] .. _starts[id + 1]); its visible text is that span less Open and Close.
    private readonly char[] _chars;
    private readonly int[] _starts;
    private readonly string[] _tokens;
    private EncodedJson? _json;

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

    /// <summary>
    /// Writes the display strings of <paramref name="ids"/> to <paramref name="writer"/> as one JSON array of strings, as
    /// the writer would write them one by one with <paramref name="encoder"/> (null: System.Text.Json's default). The
    /// vocabulary's strings are encoded once, on first use, into one UTF-8 array (a site serialises with one encoder),
    /// and the array goes to the writer as one raw value: a feature's 5,760 example tokens written one value at a time
    /// were a fifth of a <c>GET /api/feature</c>'s CPU, most of it cache misses on random vocabulary entries.
    /// </summary>
    public void WriteJsonStrings(Utf8JsonWriter writer, ReadOnlySpan<int> ids, JavaScriptEncoder? encoder)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer.Options.Indented)
        {
            // Raw text would lose the writer's indentation: value by value then.
            writer.WriteStartArray();
            foreach (var id in ids) writer.WriteStringValue(_tokens[id]);
            writer.WriteEndArray();
            return;
        }
        var json = _json;
        if (json is null || json.Encoder != encoder) _json = json = EncodedJson.Of(_tokens, encoder);
        var length = 2 + Math.Max(ids.Length - 1, 0);
        foreach (var id in ids) length += json.Text(id).Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = 0;
            buffer[at++] = (byte)'[';
            for (var i = 0; i < ids.Length; i++)
            {
                if (i > 0) buffer[at++] = (byte)',';
                var text = json.Text(ids[i]);
                text.CopyTo(buffer.AsSpan(at));
                at += text.Length;
            }
            buffer[at++] = (byte)']';
            writer.WriteRawValue(buffer.AsSpan(0, at), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Token <paramref name="id"/> inactive: <c>&lt;span class="tok"&gt;text&lt;/span&gt;</c>.</summary>
    public ReadOnlySpan<char> Inactive(int id) => _chars.AsSpan(_starts[id], _starts[id + 1] - _starts[id]);

    /// <summary>Token <paramref name="id"/>'s visible, encoded text.</summary>
    public ReadOnlySpan<char> Visible(int id)
    {
        var start = _starts[id] + Open.Length;
        return _chars.AsSpan(start, _starts[id + 1] - Close.Length - start);
    }

    /// <summary>Every token as a quoted JSON string, escaped by <see cref="Encoder"/>: token id's is Utf8[Starts[id] .. Starts[id + 1]).</summary>
    private sealed record EncodedJson(JavaScriptEncoder? Encoder, byte[] Utf8, int[] Starts)
    {
        public ReadOnlySpan<byte> Text(int id) => Utf8.AsSpan(Starts[id], Starts[id + 1] - Starts[id]);

        public static EncodedJson Of(string[] tokens, JavaScriptEncoder? encoder)
        {
            var texts = tokens.Select(t => JsonEncodedText.Encode(t, encoder)).ToArray();
            var starts = new int[texts.Length + 1];
            for (var id = 0; id < texts.Length; id++) starts[id + 1] = starts[id] + texts[id].EncodedUtf8Bytes.Length + 2;
            var utf8 = new byte[starts[^1]];
            for (var id = 0; id < texts.Length; id++)
            {
                utf8[starts[id]] = (byte)'"';
                texts[id].EncodedUtf8Bytes.CopyTo(utf8.AsSpan(starts[id] + 1));
                utf8[starts[id + 1] - 1] = (byte)'"';
            }
            return new EncodedJson(encoder, utf8, starts);
        }
    }
}
