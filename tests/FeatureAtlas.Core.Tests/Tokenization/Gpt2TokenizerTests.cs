using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Tokenization;

// Expected ids and display strings come from GPT-2's encoder.py (openai/gpt-2, run with the `regex` module
// on GPT-2's encoder.json + vocab.bpe) and Python's bytes.decode('utf-8', errors='replace') per token.
public class Gpt2TokenizerTests
{
    private const string Fffd = "\uFFFD";

    private static readonly Gpt2Tokenizer s_tokenizer = Gpt2Tokenizer.CreateDefault();

    [Fact]
    public void Encode_HelloWorldWithoutBos_ReturnsGpt2Ids()
    {
        Assert.Equal([15496, 995], s_tokenizer.Encode("Hello world", prependBos: false));
    }

    [Fact]
    public void Encode_LeadingSpaceWithoutBos_ReturnsGpt2Ids()
    {
        Assert.Equal([18435, 995], s_tokenizer.Encode(" Hello world", prependBos: false));
    }

    [Fact]
    public void Encode_Default_PrependsBos()
    {
        Assert.Equal([Gpt2Tokenizer.BosTokenId, 18435, 995], s_tokenizer.Encode(" Hello world"));
    }

    [Fact]
    public void Encode_EmptyTextWithBos_ReturnsBosOnly()
    {
        Assert.Equal([50256], s_tokenizer.Encode(""));
        Assert.Empty(s_tokenizer.Encode("", prependBos: false));
    }

    [Fact]
    public void Encode_EndOfTextInText_EncodesAsPlainText()
    {
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], s_tokenizer.Encode("<|endoftext|>", prependBos: false));
    }

    [Fact]
    public void Encode_ContractionsNumbersAndDashes_ReturnsGpt2Ids()
    {
        Assert.Equal([40, 1183, 910, 340, 338, 5433, 851, 836, 470, 0],
            s_tokenizer.Encode("I'll say it's 42 — don't!", prependBos: false));
    }

    [Fact]
    public void Encode_WhitespaceRuns_LeavesLastSpaceToNextWord()
    {
        Assert.Equal([87, 220, 220, 628, 220, 331, 220], s_tokenizer.Encode("x  \n\n  y ", prependBos: false));
    }

    [Fact]
    public void Encode_LettersOutsideBmp_KeepsWordWhole()
    {
        // 𝐇𝐞𝐥𝐥𝐨 is one \p{L}+ run for GPT-2; a UTF-16 regex would split it from its neighbours.
        int[] expected = [47728, 238, 229, 47728, 238, 252, 47728, 238, 98, 47728, 238, 98, 47728, 238, 101, 995];
        Assert.Equal(expected, s_tokenizer.Encode("𝐇𝐞𝐥𝐥𝐨 world", prependBos: false));
        Assert.Equal([158, 227, 104, 220, 47728, 253, 246, 47728, 253, 247, 25208], s_tokenizer.Encode("Ⅻ 𝟘𝟙 ½", prependBos: false));
    }

    [Fact]
    public void Encode_NextLine_IsWhitespace()
    {
        // U+0085 is \s for Python's regex module (and not for JavaScript's).
        Assert.Equal([64, 126, 227, 65, 269], s_tokenizer.Encode("a\u0085b c", prependBos: false));
    }

    [Fact]
    public void Encode_LoneSurrogate_EncodesWtf8BytesAndDecodesToFffd()
    {
        int[] ids = s_tokenizer.Encode("a\uD800b", prependBos: false);

        Assert.Equal([64, 169, 254, 222, 65], ids); // a, ED, A0, 80, b
        Assert.Equal($"a{Fffd}{Fffd}{Fffd}b", s_tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => s_tokenizer.Encode(null!));
    }

    [Fact]
    public void GetTokenStrings_TokensSplittingCodePoints_ReplacesEachPieceWithFffd()
    {
        int[] ids = s_tokenizer.Encode("日本語 😀", prependBos: false);

        Assert.Equal([33768, 98, 17312, 105, 45739, 252, 30325, 222], ids);
        // bytes: e697 | a5 | e69c | ac | e8aa | 9e | 20 f09f98 | 80
        Assert.Equal([Fffd, Fffd, Fffd, Fffd, Fffd, Fffd, " " + Fffd, Fffd], s_tokenizer.GetTokenStrings(ids));
    }

    [Fact]
    public void GetTokenStrings_WholeCharacters_ShowsText()
    {
        int[] ids = s_tokenizer.Encode("naïve café");

        Assert.Equal(["<|endoftext|>", "na", "ïve", " café"], s_tokenizer.GetTokenStrings(ids));
    }

    [Fact]
    public void GetTokenStrings_IdOutsideVocabulary_ThrowsNamingId()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => s_tokenizer.GetTokenStrings([15496, 50257]));

        Assert.Contains("50257", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => s_tokenizer.GetTokenStrings([-1]));
    }

    [Fact]
    public void Decode_EncodedText_RoundTrips()
    {
        const string text = "Call me Ishmael. 日本語 😀 naïve — 𝐇𝐞𝐥𝐥𝐨\n\n  <|endoftext|> ½";

        Assert.Equal(text, s_tokenizer.Decode(s_tokenizer.Encode(text, prependBos: false)));
    }

    [Fact]
    public void Decode_WithBos_StartsWithEndOfText()
    {
        Assert.Equal("<|endoftext|> Hello world", s_tokenizer.Decode(s_tokenizer.Encode(" Hello world")));
    }

    [Fact]
    public void Decode_PartialCodePoint_ReplacesWithFffd()
    {
        Assert.Equal(Fffd, s_tokenizer.Decode([447])); // E2 80, the start of ’ or —
        Assert.Equal("’", s_tokenizer.Decode([447, 247]));
    }

    [Fact]
    public void Decode_IdOutsideVocabulary_ThrowsNamingId()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => s_tokenizer.Decode([1, 2, 60000]));

        Assert.Contains("60000", e.Message);
    }

    [Fact]
    public void GetTokenBytes_KnownTokens_ReturnsRawBytes()
    {
        Assert.Equal([0x20], s_tokenizer.GetTokenBytes(220));
        Assert.Equal([0x0A, 0x0A], s_tokenizer.GetTokenBytes(628));
        Assert.Equal([0xE2, 0x80], s_tokenizer.GetTokenBytes(447));
        Assert.Equal("<|endoftext|>"u8.ToArray(), s_tokenizer.GetTokenBytes(Gpt2Tokenizer.BosTokenId));
    }

    [Fact]
    public void GetTokenBytes_ReturnedArrayChanged_TokenizerUnaffected()
    {
        s_tokenizer.GetTokenBytes(220)[0] = 0x41;

        Assert.Equal([0x20], s_tokenizer.GetTokenBytes(220));
    }

    [Fact]
    public void GetTokenBytes_IdOutsideVocabulary_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => s_tokenizer.GetTokenBytes(50257));

        Assert.Contains("50257", e.Message);
    }

    [Fact]
    public void VocabSize_Default_Is50257()
    {
        Assert.Equal(50257, s_tokenizer.VocabSize);
    }

    [Fact]
    public void CreateDefault_CalledTwice_ReturnsSharedInstance()
    {
        Assert.Same(Gpt2Tokenizer.CreateDefault(), Gpt2Tokenizer.CreateDefault());
    }

    [Fact]
    public async Task Encode_ManyThreads_ReturnsSameIds()
    {
        string[] texts = ["Hello world", " the whale", "日本語 😀", "I'll go", "x  \n\n  y "];
        int[][] expected = texts.Select(t => s_tokenizer.Encode(t)).ToArray();

        int[][][] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 200).SelectMany(_ => texts).Select(t => s_tokenizer.Encode(t)).ToArray())));

        foreach (int[][] run in results)
        {
            for (int i = 0; i < run.Length; i++)
            {
                Assert.Equal(expected[i % texts.Length], run[i]);
            }
        }
    }
}
