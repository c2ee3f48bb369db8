using System.Text.Encodings.Web;
using FeatureAtlas.Web.Rendering;

namespace FeatureAtlas.Web.Tests.Rendering;

/// <summary>A vocabulary's markup: each token's span and visible text by id, HTML-encoded (the site's encoder writes ↵ as &amp;#x21B5;), whitespace shown.</summary>
public sealed class VocabularyMarkupTests
{
    private static readonly VocabularyMarkup Vocabulary = new([" the", "<b>&", "\n", "", "a\tb"], HtmlEncoder.Default);

    [Fact]
    public void Inactive_IsTheTokensEncodedSpan()
    {
        Assert.Equal(5, Vocabulary.Count);
        Assert.Equal("<span class=\"tok\"> the</span>", Vocabulary.Inactive(0).ToString());
        Assert.Equal("<span class=\"tok\">&lt;b&gt;&amp;</span>", Vocabulary.Inactive(1).ToString());
        Assert.Equal("<span class=\"tok\">&#x21B5;</span>", Vocabulary.Inactive(2).ToString());
        Assert.Equal("<span class=\"tok\"></span>", Vocabulary.Inactive(3).ToString());
        Assert.Equal("<span class=\"tok\">a&#x21E5;b</span>", Vocabulary.Inactive(4).ToString());
    }

    [Fact]
    public void Visible_IsTheTextInsideTheSpan()
    {
        Assert.Equal(["&lt;b&gt;&amp;", "", "&#x21B5;"], new[] { 1, 3, 2 }.Select(id => Vocabulary.Visible(id).ToString()));
        Assert.Equal(["<b>&", " the", "<b>&"], Vocabulary.Strings([1, 0, 1]));
    }

    [Fact]
    public void ExampleView_IdsOutsideTheVocabulary_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ExampleView.Of([0, 5], Vocabulary, [1f, 2f]));
        Assert.Contains("outside the vocabulary of 5", e.Message);
        Assert.Equal([" the", "<b>&"], ExampleView.Of([0, 1], Vocabulary, [1f, 2f]).Tokens);
    }
}
