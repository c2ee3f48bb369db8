using System.Text.Encodings.Web;
using FeatureAtlas.Core.Dashboards;
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
    public void ExampleView_FromDashboardExample_ReadsAsItsDenseActivations()
    {
        var view = ExampleView.Of([0, 1, 2, 4], Vocabulary, new ActivationExample(Window: 3, Position: 2, Value: 1.5f, Positions: [0, 2], Values: [-0.5f, 1.5f]));

        Assert.Equal([-0.5f, 0f, 1.5f, 0f], view.Values);
        Assert.Equal((1.5f, 2, -0.5f, 4), (view.MaxValue, view.MaxValueTokenIndex, view.MinValue, view.Length));
        Assert.Equal([" the", "<b>&", "\n", "a\tb"], view.Tokens);
    }

    [Fact]
    public void TokenRow_SparseExample_ShadesItsActiveTokensOnly()
    {
        var view = ExampleView.Of([0, 1, 2, 4], Vocabulary, new ActivationExample(Window: 3, Position: 2, Value: 1.5f, Positions: [0, 2], Values: [-0.5f, 1.5f]));
        using var writer = new StringWriter();

        TokenRow.Render(view, scale: 3f, full: true).WriteTo(writer, HtmlEncoder.Default);

        Assert.Equal("<div class=\"tokens\" data-max=\"1.5\"><span class=\"ex-max\" title=\"max activation\">1.5</span>"
            + "<span class=\"tok\"> the</span><span class=\"tok\">&lt;b&gt;&amp;</span>"
            + "<span class=\"tok on peak\" style=\"background-color:rgba(255,140,0,0.5)\" title=\"1.5\">&#x21B5;</span>"
            + "<span class=\"tok\">a&#x21E5;b</span></div>", writer.ToString());
    }

    [Theory]
    [InlineData(new[] { 0, 9 }, new[] { 1 }, "outside the vocabulary of 5")]
    [InlineData(new[] { 0, 1 }, new[] { 2 }, "ascend within the window's 2 tokens; position 0 is 2")]
    [InlineData(new[] { 0, 1, 2 }, new[] { 1, 0 }, "position 1 is 0")]
    public void ExampleView_BadIdsOrPositions_AreRefused(int[] ids, int[] positions, string problem)
    {
        var example = new ActivationExample(0, 0, 1f, positions, [.. positions.Select(_ => 1f)]);
        var e = Assert.Throws<ArgumentException>(() => ExampleView.Of(ids, Vocabulary, example));
        Assert.Contains(problem, e.Message);
    }
}
