namespace FeatureAtlas.Core.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: the alphabet in which <c>vocab.json</c> and <c>merges.txt</c> spell
/// token bytes. Printable bytes (<c>!</c>–<c>~</c>, <c>¡</c>–<c>¬</c>, <c>®</c>–<c>ÿ</c>) stand for
/// themselves; the n-th remaining byte, in byte order, is written as code point 256 + n, so a space is
/// <c>Ġ</c> and a newline <c>Ċ</c>.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly short[] s_charToByte = BuildCharToByte(s_byteToChar);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte <paramref name="c"/> stands for, or -1 when it is not in the alphabet.</summary>
    public static int ToByte(char c) => c < s_charToByte.Length ? s_charToByte[c] : -1;

    /// <summary>Decodes a token spelled in the alphabet; false when a character is not in it.</summary>
    public static bool TryDecode(string token, out byte[] bytes)
    {
        bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            int b = ToByte(token[i]);
            if (b < 0)
            {
                bytes = [];
                return false;
            }
            bytes[i] = (byte)b;
        }
        return true;
    }

    private static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)(256 + n++);
        }
        return map;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var map = new short[byteToChar.Max() + 1];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < byteToChar.Length; b++)
        {
            map[byteToChar[b]] = (short)b;
        }
        return map;
    }
}
