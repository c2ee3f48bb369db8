using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>A reader's account in Chromium: sign up through the form, star, make a list, comment, sign out.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SocialPageTests(Chromium chromium, LiveAtlasApp app)
{
    private static int s_users;

    /// <summary>Signs a new user up through /account/signup in <paramref name="page"/>; returns the name.</summary>
    internal static async Task<string> SignUpAsync(IPage page)
    {
        var name = $"reader{Interlocked.Increment(ref s_users)}";
        await page.GotoAsync("account/signup");
        await page.GetByLabel("User name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(AtlasApp.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await page.Locator("[data-testid=current-user]").WaitForAsync();
        return name;
    }

    [Fact]
    public async Task SignUp_ThroughTheForm_SignsInAndShowsTheUserName()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);

        var name = await SignUpAsync(page);

        Assert.Equal(name, await page.Locator("[data-testid=current-user]").InnerTextAsync());
        Assert.NotNull(await app.Store.Users.FindUserAsync(name, CancellationToken.None));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignUp_ShortPassword_StaysOnTheFormWithAnError()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("account/signup");
        await page.GetByLabel("User name").FillAsync("shortpw");
        // The browser's own minlength check would stop the post; the server must refuse it too.
        await page.Locator("input[name=Password]").EvaluateAsync("e => e.removeAttribute('minlength')");
        await page.GetByLabel("Password").FillAsync("abc");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();

        await page.Locator(".problem-list li").First.WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=current-user]").CountAsync());
        Assert.Null(await app.Store.Users.FindUserAsync("shortpw", CancellationToken.None));
        await page.Context.CloseAsync();
    }

    /// <summary>WCAG contrast ratio of an element's text colour on its background colour.</summary>
    private const string ContrastScript = """
        e => {
          const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
          const lum = c => c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                            .reduce((sum, v, i) => sum + [0.2126, 0.7152, 0.0722][i] * v, 0);
          const style = getComputedStyle(e);
          const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        """;

    [Fact]
    public async Task Star_SignedIn_ButtonShowsStarredAndCountsIt()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await SignUpAsync(page);
        var key = new FeatureKey(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 11);
        var (before, _) = await app.Store.Social.GetStarsAsync(key, null, CancellationToken.None);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(11));

        await page.Locator("[data-testid=star]").ClickAsync();

        await page.Locator("[data-testid=star].on").WaitForAsync();
        Assert.Equal($"★ Starred · {before + 1}", (await page.Locator("[data-testid=star]").InnerTextAsync()).Trim());
        Assert.Equal(before + 1, (await app.Store.Social.GetStarsAsync(key, null, CancellationToken.None)).Count);
        // Readable when on: WCAG AA for text, 4.5:1 (it was amber on the submit buttons' orange, 1.6:1).
        var contrast = await page.Locator("[data-testid=star]").EvaluateAsync<double>(ContrastScript);
        Assert.True(contrast >= 4.5, $"'★ Starred' has contrast {contrast:F2}:1");

        await page.Locator("[data-testid=star]").ClickAsync();

        await page.Locator("[data-testid=star]:not(.on)").WaitForAsync();
        Assert.Equal($"☆ Star · {before}", (await page.Locator("[data-testid=star]").InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AddToList_NewListName_ListPageShowsTheFeature()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        var owner = await SignUpAsync(page);
        var listName = $"Curly braces of {owner}";
        await page.GotoAsync(LiveAtlasApp.FeaturePath(12));

        var form = page.Locator("[data-testid=add-to-list]");
        await form.GetByLabel("New list name").FillAsync(listName);
        await form.GetByLabel("Note").FillAsync("opens a block");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add to list" }).ClickAsync();

        var link = page.Locator("#lists a", new() { HasText = listName });
        await link.WaitForAsync();
        var href = await link.GetAttributeAsync("href");
        Assert.Matches("^/list/[A-Za-z0-9_-]+$", href);
        await page.GotoAsync(href!.TrimStart('/'));
        Assert.Equal(listName, await page.Locator("[data-testid=list-name]").InnerTextAsync());
        Assert.Equal(owner, await page.Locator("[data-testid=list-owner]").InnerTextAsync());
        var row = page.Locator("[data-testid=list-feature]");
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal("/" + LiveAtlasApp.FeaturePath(12), await row.Locator("a").GetAttributeAsync("href"));
        Assert.Contains("opens a block", await row.InnerTextAsync());
        var slug = await page.Locator("[data-testid=list]").GetAttributeAsync("data-slug");
        Assert.EndsWith("/list/" + slug, page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Comment_Markdown_IsShownRenderedUnderTheAuthorsName()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        var author = await SignUpAsync(page);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(13));

        await page.GetByLabel("Comment").FillAsync($"Fires on **braces** from {author}, see `f(x)` and [the docs](https://example.org/d).");
        await page.GetByRole(AriaRole.Button, new() { Name = "Comment", Exact = true }).ClickAsync();

        var comment = page.Locator("[data-testid=comment]", new() { HasText = $"from {author}" });
        await comment.WaitForAsync();
        Assert.Equal("braces", await comment.Locator(".body strong").InnerTextAsync());
        Assert.Equal("f(x)", await comment.Locator(".body code").InnerTextAsync());
        var docs = comment.Locator(".body a");
        Assert.Equal("https://example.org/d", await docs.GetAttributeAsync("href"));
        Assert.Contains("nofollow", await docs.GetAttributeAsync("rel"));
        Assert.Equal(author, await comment.Locator(".meta a").First.InnerTextAsync());
        Assert.DoesNotContain("**", await comment.InnerTextAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_FromTheHeader_ShowsSignInAndHidesTheForms()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await SignUpAsync(page);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(14));
        Assert.Equal(1, await page.Locator("[data-testid=star]").CountAsync());

        var signedOut = page.WaitForURLAsync(app.BaseAddress.ToString());
        await page.Locator("header.top").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await signedOut;
        await page.GotoAsync(LiveAtlasApp.FeaturePath(14));

        Assert.Equal(0, await page.Locator("[data-testid=current-user]").CountAsync());
        Assert.Equal(1, await page.Locator("header.top a", new() { HasText = "Sign in" }).CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=star]").CountAsync());
        Assert.Equal(0, await page.GetByLabel("Comment").CountAsync());
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "atlas.auth");
        await page.Context.CloseAsync();
    }
}
