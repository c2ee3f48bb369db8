using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace FeatureAtlas.Core.Tokenization;

/// <summary>
/// GPT-2's pre-tokenisation, the split its <c>encoder.py</c> makes with the <c>regex</c> module before BPE:
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// </summary>
/// <remarks>
/// A scanner over code points rather than a .NET <see cref="System.Text.RegularExpressions.Regex"/>: .NET
/// classifies UTF-16 units, so a letter outside the BMP (𝐇, 𠀀) would fall into the "other" class and split
/// words that GPT-2 keeps whole. Whitespace is Unicode's White_Space property, as <c>\s</c> is in the
/// <c>regex</c> module (U+0085 is whitespace, U+001C–U+001F and U+FEFF are not). No special tokens are
/// recognised: <c>&lt;|endoftext|&gt;</c> in text splits like any other characters.
/// </remarks>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    public static Gpt2PreTokenizer Instance { get; } = new();

    private enum CharClass : byte { Letter, Number, Space, Other }

    private static readonly CharClass[] s_ascii = BuildAsciiClasses();

    private Gpt2PreTokenizer()
    {
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Split(text);
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    private static IEnumerable<(int Offset, int Length)> Split(string text)
    {
        for (int start = 0; start < text.Length;)
        {
            int length = NextLength(text, start);
            yield return (start, length);
            start += length;
        }
    }

    /// <summary>Length in UTF-16 units of the pre-token that begins at <paramref name="start"/>.</summary>
    internal static int NextLength(ReadOnlySpan<char> text, int start)
    {
        char c = text[start];
        if (c == '\'' && ContractionLength(text[(start + 1)..]) is > 0 and int suffix)
        {
            return 1 + suffix;
        }

        int i = start;
        CharClass cls = Classify(text, i, out _);
        if (c == ' ' && i + 1 < text.Length)
        {
            // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+" take one leading space.
            CharClass next = Classify(text, i + 1, out _);
            if (next != CharClass.Space)
            {
                cls = next;
                i++;
            }
        }

        if (cls != CharClass.Space)
        {
            while (i < text.Length && Classify(text, i, out int width) == cls)
            {
                i += width;
            }
            return i - start;
        }

        // Whitespace: "\s+(?!\S)" leaves the last space of a run that a non-space follows to the next
        // pre-token (" word"); a single space before a non-space is "\s+".
        int end = start;
        while (end < text.Length && Classify(text, end, out _) == CharClass.Space)
        {
            end++; // White_Space characters are all in the BMP
        }
        int run = end - start;
        return end == text.Length || run == 1 ? run : run - 1;
    }

    private static int ContractionLength(ReadOnlySpan<char> rest)
    {
        if (rest.IsEmpty)
        {
            return 0;
        }
        if (rest[0] is 's' or 't' or 'm' or 'd')
        {
            return 1;
        }
        return rest.StartsWith("re") || rest.StartsWith("ve") || rest.StartsWith("ll") ? 2 : 0;
    }

    private static CharClass Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        char c = text[index];
        if (c < 128)
        {
            width = 1;
            return s_ascii[c];
        }
        if (IsWhiteSpace(c))
        {
            width = 1;
            return CharClass.Space;
        }
        // A lone surrogate decodes as U+FFFD (a symbol) of width 1: "other", as Python classifies it.
        Rune.DecodeFromUtf16(text[index..], out Rune rune, out width);
        return ClassOf(Rune.GetUnicodeCategory(rune));
    }

    private static CharClass ClassOf(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            => CharClass.Number,
        _ => CharClass.Other,
    };

    /// <summary>Unicode's White_Space property (PropList.txt), which <c>\s</c> matches in <c>regex</c>.</summary>
    private static bool IsWhiteSpace(char c) => c switch
    {
        >= '\t' and <= '\r' or ' ' or '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    private static CharClass[] BuildAsciiClasses()
    {
        var classes = new CharClass[128];
        for (int c = 0; c < classes.Length; c++)
        {
            classes[c] = IsWhiteSpace((char)c) ? CharClass.Space : ClassOf(CharUnicodeInfo.GetUnicodeCategory((char)c));
        }
        return classes;
    }
}
