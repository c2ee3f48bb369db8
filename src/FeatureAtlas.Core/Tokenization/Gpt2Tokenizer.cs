using System.Text;
using Microsoft.ML.Tokenizers;

namespace FeatureAtlas.Core.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE tokenizer: the ids GPT-2's own <c>encoder.py</c> produces, and the per-token
/// strings TransformerLens shows.
/// </summary>
/// <remarks>
/// <para>Encoding runs on Microsoft.ML.Tokenizers: the packaged GPT-2 data (the <c>gpt2</c> tiktoken ranks,
/// which equal GPT-2's merge ranks) for <see cref="CreateDefault"/>, or a byte-level
/// <see cref="BpeTokenizer"/> over a folder's <c>vocab.json</c> + <c>merges.txt</c> for <see cref="Load"/>.
/// Both split text with <see cref="Gpt2PreTokenizer"/>, which follows GPT-2's regex over code points.</para>
/// <para><c>&lt;|endoftext|&gt;</c> inside text is plain text, as in GPT-2's reference encoder
/// (<c>"&lt;|endoftext|&gt;"</c> encodes to <c>[27, 91, 437, 1659, 5239, 91, 29]</c>). Hugging Face's
/// <c>GPT2TokenizerFast</c>, and so TransformerLens's <c>to_tokens</c>, would turn it into id 50256 instead.
/// Use <c>prependBos</c> for the one special token a prompt needs.</para>
/// <para>A lone surrogate in text, which GPT-2's encoder rejects, is encoded as its three WTF-8 bytes
/// (ED A0 80 for U+D800) and decodes to U+FFFD.</para>
/// <para>Instances are immutable and safe to share across threads.</para>
/// </remarks>
public sealed class Gpt2Tokenizer
{
    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>, GPT-2's BOS, EOS and UNK, in the packaged vocabulary.</summary>
    public const int BosTokenId = 50256;

    private static readonly Lazy<Gpt2Tokenizer> s_default = new(CreatePackaged, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Tokenizer _engine;
    private readonly byte[][] _tokenBytes;      // [V] raw bytes of each token
    private readonly string[] _tokenStrings;    // [V] each token's bytes decoded alone, U+FFFD for bad UTF-8
    private readonly int _bosId;

    private Gpt2Tokenizer(Tokenizer engine, byte[][] tokenBytes, int bosId)
    {
        _engine = engine;
        _tokenBytes = tokenBytes;
        _bosId = bosId;
        _tokenStrings = Array.ConvertAll(tokenBytes, bytes => Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Number of token ids, <c>&lt;|endoftext|&gt;</c> included (50257 for GPT-2).</summary>
    public int VocabSize => _tokenBytes.Length;

    /// <summary>
    /// The GPT-2 tokenizer from the packaged data. The first call builds it (about a tenth of a second);
    /// later calls return the same shared instance.
    /// </summary>
    public static Gpt2Tokenizer CreateDefault() => s_default.Value;

    /// <summary>
    /// The tokenizer of a model folder: its <c>vocab.json</c> + <c>merges.txt</c> (GPT-2 format, tokens
    /// spelled in the byte-to-unicode alphabet, <c>&lt;|endoftext|&gt;</c> among them) when it has them,
    /// otherwise <see cref="CreateDefault"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">Only one of the two files is there, or one is malformed; the
    /// message names the file.</exception>
    public static Gpt2Tokenizer Load(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new DirectoryNotFoundException($"Model folder not found: {modelDirectory}");
        }
        if (!Gpt2VocabularyFiles.ArePresent(modelDirectory))
        {
            return CreateDefault();
        }

        Gpt2VocabularyFiles files = Gpt2VocabularyFiles.Read(modelDirectory);
        var options = new BpeOptions(files.Vocabulary)
        {
            Merges = files.Merges,
            PreTokenizer = Gpt2PreTokenizer.Instance,
            ByteLevel = true,
        };
        BpeTokenizer engine;
        try
        {
            engine = BpeTokenizer.Create(options);
        }
        catch (InvalidOperationException e)
        {
            string path = Path.Combine(modelDirectory, Gpt2VocabularyFiles.MergesFileName);
            throw new InvalidDataException($"{path}: rejected by the BPE model ({e.Message}).", e);
        }
        return new Gpt2Tokenizer(engine, files.TokenBytes, files.EndOfTextId);
    }

    /// <summary>Token ids of <paramref name="text"/>, after <c>&lt;|endoftext|&gt;</c> when
    /// <paramref name="prependBos"/> (TransformerLens's default).</summary>
    public int[] Encode(string text, bool prependBos = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> ids = _engine.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false);
        int offset = prependBos ? 1 : 0;
        var result = new int[ids.Count + offset];
        if (prependBos)
        {
            result[0] = _bosId;
        }
        for (int i = 0; i < ids.Count; i++)
        {
            result[offset + i] = ids[i];
        }
        return result;
    }

    /// <summary>The text of <paramref name="ids"/>: their bytes joined, then decoded as UTF-8 with U+FFFD
    /// for invalid sequences (GPT-2's <c>errors='replace'</c>).</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        int length = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            length += Bytes(ids[i], nameof(ids), i).Length;
        }

        var buffer = new byte[length];
        int written = 0;
        foreach (int id in ids)
        {
            byte[] bytes = _tokenBytes[id];
            bytes.CopyTo(buffer, written);
            written += bytes.Length;
        }
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>
    /// Token ids by display string (<see cref="GetTokenStrings"/>), the lowest id where several share one: exact except
    /// for tokens that are partial UTF-8 sequences. How token strings from Neuronpedia's files and uploads become ids.
    /// </summary>
    public Dictionary<string, int> IdsByDisplayString()
    {
        var strings = GetTokenStrings(Enumerable.Range(0, VocabSize).ToArray());
        var ids = new Dictionary<string, int>(strings.Length, StringComparer.Ordinal);
        for (var id = strings.Length - 1; id >= 0; id--) ids[strings[id]] = id;
        return ids;
    }

    /// <summary>
    /// Display string of each token, as TransformerLens's <c>to_str_tokens</c>: the token's bytes decoded
    /// as UTF-8 on their own, each maximal invalid or partial sequence replaced by U+FFFD (Python's
    /// <c>bytes.decode('utf-8', errors='replace')</c>). BOS shows as <c>&lt;|endoftext|&gt;</c>.
    /// </summary>
    public string[] GetTokenStrings(ReadOnlySpan<int> ids)
    {
        var strings = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            Bytes(ids[i], nameof(ids), i);
            strings[i] = _tokenStrings[ids[i]];
        }
        return strings;
    }

    /// <summary>Raw bytes of token <paramref name="id"/> (a copy).</summary>
    public byte[] GetTokenBytes(int id) => (byte[])Bytes(id, nameof(id), position: -1).Clone();

    private byte[] Bytes(int id, string paramName, int position)
    {
        if ((uint)id >= (uint)_tokenBytes.Length)
        {
            string where = position >= 0 ? $" at position {position}" : "";
            throw new ArgumentOutOfRangeException(paramName, id, $"Token id {id}{where} is outside the vocabulary [0, {_tokenBytes.Length}).");
        }
        return _tokenBytes[id];
    }

    private static Gpt2Tokenizer CreatePackaged()
    {
        // The packaged CreateForModel("gpt2") parses "<|endoftext|>" in text and splits with .NET's regex
        // (UTF-16 classes), so the ranks are loaded into a tiktoken model with GPT-2's own split instead.
        (byte[] tiktokenFile, byte[][] ranks) = Gpt2PackagedData.Load(rankCount: BosTokenId);
        using var file = new MemoryStream(tiktokenFile, writable: false);
        TiktokenTokenizer engine = TiktokenTokenizer.Create(file, Gpt2PreTokenizer.Instance, normalizer: null, specialTokens: null);

        byte[][] tokenBytes = [.. ranks, Encoding.UTF8.GetBytes(Gpt2VocabularyFiles.EndOfText)];
        return new Gpt2Tokenizer(engine, tokenBytes, BosTokenId);
    }
}
