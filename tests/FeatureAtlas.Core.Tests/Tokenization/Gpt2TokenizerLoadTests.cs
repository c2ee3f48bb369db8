using System.Text.Json;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Tokenization;

/// <summary>
/// <see cref="Gpt2Tokenizer.Load"/> on a tiny GPT-2-format vocabulary written by the test: ids 0–255 are
/// the single bytes (id = byte value), then four merges and <c>&lt;|endoftext|&gt;</c>.
/// </summary>
public sealed class Gpt2TokenizerLoadTests : IDisposable
{
    // rank 0: "Ġ t" → 256 "Ġt"; 1: "h e" → 257 "he"; 2: "Ġt he" → 258 "Ġthe"; 3: "e n" → 259 "en"
    private static readonly string[] s_merges = ["Ġ t", "h e", "Ġt he", "e n"];
    private const int EndOfTextId = 260;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("featureatlas-tok-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Load_TinyVocabulary_AppliesMergesInRankOrder()
    {
        Gpt2Tokenizer tokenizer = LoadTiny();

        // " the": Ġt (rank 0), then he (1), then Ġthe (2).
        Assert.Equal([258], tokenizer.Encode(" the", prependBos: false));
        // " then": Ġt, he, Ġthe; "e n" (rank 3) never fires, the e is already in Ġthe.
        Assert.Equal([258, 110], tokenizer.Encode(" then", prependBos: false)); // 110 = n
        // "ten": no Ġ so no Ġt; "e n" → en.
        Assert.Equal([116, 259], tokenizer.Encode("ten", prependBos: false)); // 116 = t
        // "hen": h e (rank 1) beats e n (rank 3).
        Assert.Equal([257, 110], tokenizer.Encode("hen", prependBos: false));
    }

    [Fact]
    public void Load_TinyVocabulary_PrependsItsEndOfText()
    {
        Gpt2Tokenizer tokenizer = LoadTiny();

        Assert.Equal([EndOfTextId, 116, 257], tokenizer.Encode("the"));
        Assert.Equal(EndOfTextId + 1, tokenizer.VocabSize);
    }

    [Fact]
    public void Load_TinyVocabulary_EncodesAnyByteAndDecodesBack()
    {
        Gpt2Tokenizer tokenizer = LoadTiny();

        int[] ids = tokenizer.Encode("é the", prependBos: false);

        Assert.Equal([0xC3, 0xA9, 258], ids);
        Assert.Equal(["\uFFFD", "\uFFFD", " the"], tokenizer.GetTokenStrings(ids));
        Assert.Equal("é the", tokenizer.Decode(ids));
        Assert.Equal([0x20, (byte)'t', (byte)'h', (byte)'e'], tokenizer.GetTokenBytes(258));
    }

    [Fact]
    public void Load_FolderWithoutVocabulary_ReturnsDefault()
    {
        Assert.Same(Gpt2Tokenizer.CreateDefault(), Gpt2Tokenizer.Load(_dir.FullName));
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDirectoryNotFound()
    {
        Assert.Throws<DirectoryNotFoundException>(() => Gpt2Tokenizer.Load(Path.Combine(_dir.FullName, "absent")));
    }

    [Fact]
    public void Load_VocabularyWithoutMerges_ThrowsNamingMergesFile()
    {
        WriteVocabulary(TinyVocabulary());

        AssertInvalid("merges.txt");
    }

    [Fact]
    public void Load_MergesWithoutVocabulary_ThrowsNamingVocabFile()
    {
        WriteMerges(s_merges);

        AssertInvalid("vocab.json");
    }

    [Fact]
    public void Load_VocabularyNotJson_ThrowsNamingVocabFile()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "vocab.json"), "{\"a\": 0,");
        WriteMerges(s_merges);

        AssertInvalid("vocab.json");
    }

    [Fact]
    public void Load_VocabularyMissingAByte_ThrowsNamingVocabFile()
    {
        Dictionary<string, int> vocab = TinyVocabulary();
        vocab.Remove("Ġ");
        vocab.Add("zz", 0x20); // keeps the ids dense
        WriteVocabulary(vocab);
        WriteMerges(s_merges);

        AssertInvalid("vocab.json", "0x20");
    }

    [Fact]
    public void Load_VocabularyWithDuplicateId_ThrowsNamingVocabFile()
    {
        Dictionary<string, int> vocab = TinyVocabulary();
        vocab["Ġthe"] = 257;
        WriteVocabulary(vocab);
        WriteMerges(s_merges);

        AssertInvalid("vocab.json", "257");
    }

    [Fact]
    public void Load_MergeOfUnknownToken_ThrowsNamingMergesFileAndLine()
    {
        WriteVocabulary(TinyVocabulary());
        WriteMerges([.. s_merges, "x y"]); // "xy" is not in the vocabulary

        AssertInvalid("merges.txt", "line 6");
    }

    [Fact]
    public void Load_MalformedMergeLine_ThrowsNamingMergesFileAndLine()
    {
        WriteVocabulary(TinyVocabulary());
        WriteMerges(["Ġ t", "h e extra"]);

        AssertInvalid("merges.txt", "line 3");
    }

    private Gpt2Tokenizer LoadTiny()
    {
        WriteVocabulary(TinyVocabulary());
        WriteMerges(s_merges);
        return Gpt2Tokenizer.Load(_dir.FullName);
    }

    private void AssertInvalid(params string[] messageParts)
    {
        var e = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.Load(_dir.FullName));
        foreach (string part in messageParts)
        {
            Assert.Contains(part, e.Message);
        }
    }

    /// <summary>GPT-2's byte-to-unicode spelling, written out independently of the code under test.</summary>
    private static string Spell(byte b)
    {
        bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE;
        if (printable)
        {
            return ((char)b).ToString();
        }
        int n = Enumerable.Range(0, b).Count(x => !(x is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE));
        return ((char)(256 + n)).ToString();
    }

    private static Dictionary<string, int> TinyVocabulary()
    {
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
        {
            vocab.Add(Spell((byte)b), b);
        }
        vocab.Add("Ġt", 256);
        vocab.Add("he", 257);
        vocab.Add("Ġthe", 258);
        vocab.Add("en", 259);
        vocab.Add("<|endoftext|>", EndOfTextId);
        return vocab;
    }

    private void WriteVocabulary(Dictionary<string, int> vocab) =>
        File.WriteAllText(Path.Combine(_dir.FullName, "vocab.json"), JsonSerializer.Serialize(vocab));

    private void WriteMerges(string[] merges) =>
        File.WriteAllText(Path.Combine(_dir.FullName, "merges.txt"), "#version: 0.2\n" + string.Join('\n', merges) + "\n");
}
