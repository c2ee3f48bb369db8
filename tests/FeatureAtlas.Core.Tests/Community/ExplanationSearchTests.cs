using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Tests.Community;

public class ExplanationSearchTests
{
    [Fact]
    public void Terms_QueryWithSyntax_OnlyWordsSoAnyTextIsSafe() =>
        // The store quotes each word, so OR and NEAR are words to find, not operators.
        Assert.Equal(["walrus", "OR", "o'brien", "NEAR", "x"], ExplanationSearch.Terms("\"walrus\" OR* 'o'brien' NEAR(x)"));

    [Fact]
    public void Terms_LongQuery_AtMostSixteenWords() =>
        Assert.Equal(16, ExplanationSearch.Terms(string.Join(" ", Enumerable.Range(0, 40).Select(i => $"w{i}"))).Count);

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    [InlineData("*** \"\"")]
    public void Terms_NoWords_Empty(string? query) => Assert.Empty(ExplanationSearch.Terms(query));
}
