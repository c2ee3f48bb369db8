using System.Net;
using System.Text.RegularExpressions;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// Full-context examples without a browser: <c>/{model}/{sae}/{index}/examples</c> (what "show full context" swaps
/// in) and <c>?context=full</c> (where the link leads without script) carry every token of every stored example's
/// window; the plain page only the context around each peak.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class FeatureExamplesTests(LiveAtlasApp app)
{
    [GeneratedRegex("<span class=\"tok( on( peak)?)?\"")]
    private static partial Regex TokenSpan();

    private async Task<(int Full, int Collapsed, int Rows)> ExpectedTokensAsync(int index)
    {
        var stored = await app.Store.Dashboards.GetFeatureAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, index, CancellationToken.None);
        var examples = stored!.Top.Concat(stored.Intervals.SelectMany(i => i.Examples)).ToArray();
        var windows = await app.Store.Corpora.ReadWindowsAsync(LiveAtlasApp.LiveCorpus, examples.Select(e => e.Window).ToArray(), CancellationToken.None);
        var full = examples.Sum(e => windows[e.Window].Length);
        var collapsed = examples.Sum(e => Math.Min(windows[e.Window].Length - 1, e.Position + 8) - Math.Max(0, e.Position - 32) + 1);
        return (full, collapsed, examples.Length);
    }

    [Fact]
    public async Task Examples_Fragment_HoldsEveryTokenOfEveryWindowWithoutTheLayout()
    {
        var stored = await FeaturePageTests.BusiestFeatureAsync(app);
        var (full, collapsed, rows) = await ExpectedTokensAsync(stored.Index);
        Assert.True(full > collapsed);
        using var client = app.CreateClient();

        var response = await client.GetAsync(LiveAtlasApp.FeaturePath(stored.Index) + "/examples");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(full, TokenSpan().Count(html));
        Assert.Equal(rows, Regex.Count(html, "<div class=\"tokens\""));
        Assert.DoesNotContain("<html", html);
        Assert.DoesNotContain("class=\"gap\"", html);
    }

    [Fact]
    public async Task FeaturePage_CollapsedByDefaultAndFullOnRequest()
    {
        var stored = await FeaturePageTests.BusiestFeatureAsync(app);
        var (full, collapsed, _) = await ExpectedTokensAsync(stored.Index);
        using var client = app.CreateClient();

        var page = await client.GetStringAsync(LiveAtlasApp.FeaturePath(stored.Index));
        var fullPage = await client.GetStringAsync(LiveAtlasApp.FeaturePath(stored.Index) + "?context=full");

        Assert.Equal(collapsed, TokenSpan().Count(page));
        Assert.Contains(">show full context</a>", page);
        Assert.Equal(full, TokenSpan().Count(fullPage));
        Assert.Contains(">show less context</a>", fullPage);
    }

    [Theory]
    [InlineData(LiveAtlasApp.LiveModel + "/" + LiveAtlasApp.LiveSae + "/100000/examples")]
    [InlineData(LiveAtlasApp.LiveModel + "/no-such-sae/3/examples")]
    [InlineData("no-such-model/" + LiveAtlasApp.LiveSae + "/3/examples")]
    public async Task Examples_MissingFeature_Is404(string path)
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
