using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Tokenization;

// Expected pieces are Python's regex.findall with GPT-2's pattern (openai/gpt-2 encoder.py, `regex` module).
public class Gpt2PreTokenizerTests
{
    public static TheoryData<string, string[]> Cases => new()
    {
        { "Hello world", ["Hello", " world"] },
        { "I'll say it's 42 — don't!", ["I", "'ll", " say", " it", "'s", " 42", " —", " don", "'t", "!"] },
        { "x  \n\n  y ", ["x", "  \n\n ", " y", " "] },
        { "\t\tfoo  ", ["\t", "\t", "foo", "  "] },
        { " ", [" "] },
        { "''s 'S ?'re", ["''", "s", " '", "S", " ?'", "re"] },
        { "3.14 \u0661\u0662\u0663 ½x", ["3", ".", "14", " \u0661\u0662\u0663", " ½", "x"] },
        { "a\u0085b\uFEFFc\u001Cd", ["a", "\u0085", "b", "\uFEFF", "c", "\u001C", "d"] },
        { "𝐇𝐞𝐥𝐥𝐨 \U00020000\U00020001x 😀😀!", ["𝐇𝐞𝐥𝐥𝐨", " \U00020000\U00020001x", " 😀😀!"] },
        { "e\u0301t\u00A0é", ["e", "\u0301", "t", "\u00A0", "é"] },
        { "<|endoftext|>", ["<|", "endoftext", "|>"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PreTokenize_Text_SplitsLikeGpt2Regex(string text, string[] expected)
    {
        string[] pieces = Gpt2PreTokenizer.Instance.PreTokenize(text)
            .Select(split => text.Substring(split.Offset, split.Length))
            .ToArray();

        Assert.Equal(expected, pieces);
    }

    [Fact]
    public void PreTokenize_Span_MatchesString()
    {
        const string text = "x  \n\n  y 𝐇𝐞𝐥𝐥𝐨 it's";

        Assert.Equal(Gpt2PreTokenizer.Instance.PreTokenize(text), Gpt2PreTokenizer.Instance.PreTokenize(text.AsSpan()));
    }

    [Fact]
    public void PreTokenize_LoneSurrogate_CoversEveryChar()
    {
        const string text = "a\uD800b \uDC00 c";

        (int Offset, int Length)[] splits = Gpt2PreTokenizer.Instance.PreTokenize(text).ToArray();

        Assert.Equal(text.Length, splits.Sum(s => s.Length));
        Assert.Equal(["a", "\uD800", "b", " \uDC00", " c"], splits.Select(s => text.Substring(s.Offset, s.Length)));
    }
}
