using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Rendering;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// An Activation row's <c>tokens</c> and <c>values</c>, written from the example's ids and sparse activations, read
/// exactly as System.Text.Json writes the dense string and float arrays, whatever the encoder and indentation.
/// </summary>
public sealed class ExampleArraysTests
{
    // Quotes, markup, control characters, non-ASCII and a surrogate pair: each encoder escapes some of them.
    private static readonly VocabularyMarkup Vocabulary = new([" the", "\"<b>&'", "\n", "", "caf\u00e9", "\u2014", "\U0001F600", "a\\b"], HtmlEncoder.Default);

    public static TheoryData<string, bool> Options => new()
    {
        { "default", false }, { "default", true }, { "relaxed", false }, { "latin", false },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void Tokens_FromIds_AreTheDenseStringsAsTheSerializerWritesThem(string encoder, bool indented)
    {
        var options = SerializerOptions(encoder, indented);
        int[] ids = [0, 1, 2, 3, 4, 5, 6, 7, 1, 0];
        var view = ExampleView.Of(ids, Vocabulary, new ActivationExample(0, 1, 2f, [1], [2f]));
        string[] strings = [" the", "\"<b>&'", "\n", "", "caf\u00e9", "\u2014", "\U0001F600", "a\\b", "\"<b>&'", " the"];

        // Twice: the second write reads the vocabulary's text encoded by the first.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(JsonSerializer.Serialize(new { t = strings, n = 1 }, options), JsonSerializer.Serialize(new { t = new ExampleTokens(view), n = 1 }, options));
        }
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void Values_FromSparseActivations_AreTheDenseValuesAsTheSerializerWritesThem(string encoder, bool indented)
    {
        var options = SerializerOptions(encoder, indented);
        var view = ExampleView.Of([0, 1, 2, 3, 4, 5], Vocabulary, new ActivationExample(0, 4, 1.0000001f, [0, 2, 4], [-0.5f, 3.1415927f, 1.0000001f]));

        Assert.Equal(JsonSerializer.Serialize(new[] { -0.5f, 0f, 3.1415927f, 0f, 1.0000001f, 0f }, options), JsonSerializer.Serialize(new ExampleValues(view), options));
    }

    [Fact]
    public void TokensAndValues_OfADenseExample_AreItsArrays()
    {
        var view = ExampleView.Of(["a", "\"b\""], [0.25f, -1f]);

        Assert.Equal("[\"a\",\"\\u0022b\\u0022\"]", JsonSerializer.Serialize(new ExampleTokens(view)));
        Assert.Equal("[0.25,-1]", JsonSerializer.Serialize(new ExampleValues(view)));
    }

    [Theory]
    [InlineData(new[] { 0, 2 }, new[] { 0.5f, 1.5f }, 4, 1.5f, 2)]      // the greatest stored value
    [InlineData(new[] { 0, 2 }, new[] { -0.5f, -1f }, 4, 0f, 1)]       // all stored values negative: the first token with none reads 0
    [InlineData(new[] { 1, 2 }, new[] { -0.5f, -1f }, 3, 0f, 0)]
    [InlineData(new[] { 0, 1, 2 }, new[] { -0.5f, -1f, -0.25f }, 3, -0.25f, 2)]   // every token stored
    [InlineData(new[] { 1, 3 }, new[] { 2f, 2f }, 4, 2f, 1)]           // ties: the first
    [InlineData(new[] { 2 }, new[] { 0f }, 3, 0f, 0)]                  // a stored 0 ties the zeros before it
    public void Peak_OfSparseActivations_IsTheFirstMaximumOfTheDenseValues(int[] positions, float[] values, int length, float max, int at)
    {
        var view = ExampleView.Of([.. Enumerable.Range(0, length)], Vocabulary, new ActivationExample(0, positions[0], values[0], positions, values));

        Assert.Equal((max, at), view.Peak());
        // The same as the dense values give it, read the long way.
        var dense = view.Values;
        var first = Array.IndexOf(dense, dense.Max());
        Assert.Equal((dense[first], first), view.Peak());
    }

    private static JsonSerializerOptions SerializerOptions(string encoder, bool indented) => new(JsonSerializerDefaults.Web)
    {
        WriteIndented = indented,
        Encoder = encoder switch
        {
            "relaxed" => JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            "latin" => JavaScriptEncoder.Create(UnicodeRanges.BasicLatin, UnicodeRanges.Latin1Supplement),
            _ => null,
        },
    };
}
