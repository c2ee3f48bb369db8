using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// Stored and reflected script injection, in Chromium: each payload of <see cref="XssPayloads"/> goes everywhere a
/// user's text is shown (comment Markdown, list name, description and note, explanation, ?text= on a feature page,
/// ?q= on /search-explanations) and every page showing it is loaded with the CSP switched off in the browser, so
/// escaping and sanitising alone must stop it. That the CSP also blocks what got through is
/// <see cref="Csp_InjectedInlineScript_IsBlockedByTheBrowser"/>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class XssTests(Chromium chromium, LiveAtlasApp app, ITestOutputHelper output)
{
    private const int FirstFeature = 20;

    [Theory]
    [MemberData(nameof(XssPayloads.All), MemberType = typeof(XssPayloads))]
    public async Task Payload_InEveryUserTextSink_NeverRunsAndShowsAsText(int id, string payload)
    {
        chromium.SkipWhenUnavailable();
        Assert.InRange(FirstFeature + XssPayloads.Count, 0, LiveAtlasApp.LiveDSae);
        var index = FirstFeature + id;
        var user = await app.SharedUserAsync("xss");
        var c = user.KeyClient;
        var probeWord = $"xssprobe{id}";
        var explanation = $"{probeWord} {payload}";
        await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/comment/new", new { modelId = LiveAtlasApp.LiveModel, layer = LiveAtlasApp.LiveSae, index, text = payload }));
        await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/explanation/new", new { modelId = LiveAtlasApp.LiveModel, layer = LiveAtlasApp.LiveSae, index, explanation }));
        var list = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/new", new { name = payload, description = payload, testText = payload }));
        var slug = list.GetProperty("id").GetString()!;
        await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/add-features", new
        {
            listId = slug,
            featuresToAdd = new[] { new { modelId = LiveAtlasApp.LiveModel, layer = LiveAtlasApp.LiveSae, index, description = payload } },
        }));

        var probe = await XssProbe.OpenAsync(chromium, app, bypassCsp: true);
        var page = probe.Page;
        var featurePath = $"{LiveAtlasApp.FeaturePath(index)}?text={Uri.EscapeDataString(payload)}";

        await probe.VisitAsync(featurePath, "feature page");
        Assert.Equal(payload, await page.Locator("textarea[name=text]").InputValueAsync());
        Assert.Equal(explanation, await page.Locator("[data-testid=explanation] .text").TextContentAsync());
        Assert.Equal(payload, await page.Locator("#lists li a").TextContentAsync());
        Assert.Equal(1, await page.Locator("[data-testid=comment]").CountAsync());

        await probe.VisitAsync($"list/{slug}", "list page");
        Assert.Equal(payload, await page.Locator("[data-testid=list-name]").TextContentAsync());
        Assert.Equal(payload, await page.Locator("[data-testid=list-feature] td.muted").TextContentAsync());
        Assert.Equal(1, await page.Locator("[data-testid=list-description]").CountAsync());

        await probe.VisitAsync($"search-explanations?q={Uri.EscapeDataString(probeWord)}", "explanation search results");
        Assert.Equal(explanation, await page.Locator("[data-testid=explanation-result] .text").TextContentAsync());

        await probe.VisitAsync($"search-explanations?q={Uri.EscapeDataString(payload)}", "explanation search query");
        Assert.Equal(payload, await page.Locator("[data-testid=search-explanations] input[name=q]").InputValueAsync());

        // The user page lists every payload's list and comment (one user wrote them all).
        await probe.VisitAsync($"user/{user.Name}", "user page");
        Assert.Contains(payload, await page.Locator("main").TextContentAsync() ?? "");
        foreach (var report in probe.CspReports) output.WriteLine("CSP: " + report);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Probe_UnescapedPayloads_AreCaught()
    {
        chromium.SkipWhenUnavailable();
        // The probe itself must see an injection that works, or a clean result above would mean nothing.
        var probe = await XssProbe.OpenAsync(chromium, app, bypassCsp: true);
        await probe.Page.GotoAsync("");

        await probe.Page.EvaluateAsync("""
            () => { document.querySelector('main').insertAdjacentHTML('beforeend',
              `<img src=x onerror=__xss('img')><details open ontoggle=__xss('toggle')>t</details><a href="java&#x09;script:__xss(1)">j</a>`); }
            """);
        await probe.Page.WaitForTimeoutAsync(200);

        var hits = await probe.HitsAsync();
        Assert.Contains("img", hits);
        Assert.Contains("toggle", hits);
        var found = await probe.ScanAsync();
        Assert.Contains(found, f => f.StartsWith("IMG onerror", StringComparison.Ordinal));
        Assert.Contains(found, f => f.StartsWith("A href", StringComparison.Ordinal));
        await probe.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Csp_InjectedInlineScript_IsBlockedByTheBrowser()
    {
        chromium.SkipWhenUnavailable();
        var probe = await XssProbe.OpenAsync(chromium, app, bypassCsp: false);
        await probe.VisitAsync(LiveAtlasApp.FeaturePath(3), "feature page");

        // As if escaping had failed: inline script and handler markup put into the page.
        await probe.Page.EvaluateAsync("""
            () => {
              const s = document.createElement('script');
              s.textContent = "__xss('inline')";
              document.body.append(s);
              document.querySelector('main').insertAdjacentHTML('beforeend', `<img src=x onerror=__xss('handler')>`);
            }
            """);
        await probe.Page.WaitForTimeoutAsync(200);

        Assert.Empty(await probe.HitsAsync());
        Assert.NotEmpty(probe.CspReports);
        await probe.Page.Context.CloseAsync();
    }
}
