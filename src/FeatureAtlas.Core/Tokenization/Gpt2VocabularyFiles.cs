using System.Text.Json;

namespace FeatureAtlas.Core.Tokenization;

/// <summary>
/// Reads and checks a GPT-2-format byte-level BPE vocabulary: <c>vocab.json</c> (token, spelled in
/// <see cref="ByteLevelAlphabet"/>, to id) and <c>merges.txt</c> (one <c>left right</c> pair a line, rank
/// = line order, an optional <c>#version</c> first line). Every problem is an
/// <see cref="InvalidDataException"/> that names the file and, for merges, the line.
/// </summary>
internal sealed class Gpt2VocabularyFiles
{
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";
    public const string EndOfText = "<|endoftext|>";

    private Gpt2VocabularyFiles(Dictionary<string, int> vocabulary, List<string> merges, byte[][] tokenBytes)
    {
        Vocabulary = vocabulary;
        Merges = merges;
        TokenBytes = tokenBytes;
    }

    /// <summary>Token string → id.</summary>
    public Dictionary<string, int> Vocabulary { get; }

    /// <summary>Merges in rank order, each <c>"left right"</c>.</summary>
    public List<string> Merges { get; }

    /// <summary>Raw bytes of each token, indexed by id.</summary>
    public byte[][] TokenBytes { get; }

    public int EndOfTextId => Vocabulary[EndOfText];

    public static bool ArePresent(string directory) =>
        File.Exists(Path.Combine(directory, VocabFileName)) || File.Exists(Path.Combine(directory, MergesFileName));

    public static Gpt2VocabularyFiles Read(string directory)
    {
        string vocabPath = Path.Combine(directory, VocabFileName);
        string mergesPath = Path.Combine(directory, MergesFileName);
        foreach (string path in (string[])[vocabPath, mergesPath])
        {
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{path}: file not found; a GPT-2 vocabulary needs both {VocabFileName} and {MergesFileName}.");
            }
        }

        Dictionary<string, int> vocabulary = ReadVocabulary(vocabPath);
        byte[][] tokenBytes = DecodeTokens(vocabPath, vocabulary);
        List<string> merges = ReadMerges(mergesPath, vocabulary);
        return new Gpt2VocabularyFiles(vocabulary, merges, tokenBytes);
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        Dictionary<string, int>? vocabulary;
        try
        {
            using FileStream stream = File.OpenRead(path);
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a JSON object of token → id ({e.Message}).", e);
        }

        if (vocabulary is null || vocabulary.Count == 0)
        {
            throw new InvalidDataException($"{path}: the vocabulary is empty.");
        }
        if (!vocabulary.ContainsKey(EndOfText))
        {
            throw new InvalidDataException($"{path}: expected the token \"{EndOfText}\" (BOS/EOS), found none.");
        }
        return vocabulary;
    }

    private static byte[][] DecodeTokens(string path, Dictionary<string, int> vocabulary)
    {
        var tokenBytes = new byte[vocabulary.Count][];
        foreach ((string token, int id) in vocabulary)
        {
            if ((uint)id >= (uint)tokenBytes.Length)
            {
                throw new InvalidDataException($"{path}: token \"{token}\" has id {id}; expected ids 0..{tokenBytes.Length - 1}, one per token.");
            }
            if (tokenBytes[id] is not null)
            {
                throw new InvalidDataException($"{path}: id {id} is given to more than one token (\"{token}\").");
            }
            if (token.Length == 0 || !ByteLevelAlphabet.TryDecode(token, out tokenBytes[id]))
            {
                throw new InvalidDataException($"{path}: token \"{token}\" (id {id}) is not spelled in GPT-2's byte-to-unicode alphabet.");
            }
        }

        // Byte-level BPE must be able to spell any text: every single byte needs a token.
        for (int b = 0; b < 256; b++)
        {
            string single = ByteLevelAlphabet.ToChar((byte)b).ToString();
            if (!vocabulary.ContainsKey(single))
            {
                throw new InvalidDataException($"{path}: expected a token for every byte, found none for byte 0x{b:X2} (\"{single}\").");
            }
        }
        return tokenBytes;
    }

    private static List<string> ReadMerges(string path, Dictionary<string, int> vocabulary)
    {
        var merges = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: expected \"left right\", found \"{line}\".");
            }
            string left = line[..space], right = line[(space + 1)..];
            foreach (string part in (string[])[left, right, left + right])
            {
                if (!vocabulary.ContainsKey(part))
                {
                    throw new InvalidDataException($"{path}, line {lineNumber}: \"{part}\" is not in {VocabFileName}.");
                }
            }
            if (!seen.Add(line))
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: the merge \"{line}\" appears twice.");
            }
            merges.Add(line);
        }
        return merges;
    }
}
