using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The search page explains bad input in our own words: a text longer than the model's context says how many tokens
/// fit, and no raw .NET message ("(Parameter 'tokens')") reaches the reader.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchPageErrorTests(LiveAtlasApp app)
{
    [Fact]
    public async Task Search_TextLongerThanTheModelContext_Answers400SayingHowManyTokensFit()
    {
        using var client = app.CreateClient();
        // 200 words: more tokens than the tiny model's 128 positions, far fewer than the site's 1,024-token limit.
        var text = string.Concat(Enumerable.Repeat(" sea", 200));

        var response = await client.GetAsync($"search?model={LiveAtlasApp.LiveModel}&text={Uri.EscapeDataString(text)}");

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("The text is 201 tokens long; at most 128 are allowed.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_BadSortPositions_Answers400WithoutRawMessage()
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync($"search?model={LiveAtlasApp.LiveModel}&text=sea&sort=99");

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("sortIndexes holds 99", html, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", html, StringComparison.Ordinal);
    }
}
