using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The feature map (/map) in Chromium on the live SAE after the UMAP job: the canvas draws every point, hovering a
/// point names the feature and its explanation, and a signed-in reader's shift-drag box makes a list of exactly the
/// features inside it; and the feature page's "Similar features" shows what the API ranks.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MapPageTests(Chromium chromium, LiveAtlasApp app)
{
    private const string MapPath = $"map?model={LiveAtlasApp.LiveModel}&sae={LiveAtlasApp.LiveSae}";
    private const string Explained = "braces around a conditional";

    private static readonly SemaphoreSlim s_setup = new(1, 1);
    private static LiveAtlasApp? s_ready;

    /// <summary>The live SAE's map, made once per app as `atlas umap` makes it.</summary>
    private async Task<(int[] Index, float[] X, float[] Y)> MapAsync()
    {
        await s_setup.WaitAsync();
        try
        {
            if (!ReferenceEquals(s_ready, app))
            {
                await LiveMaps.RunUmapAsync(app);
                s_ready = app;
            }
        }
        finally
        {
            s_setup.Release();
        }
        return await ReadMapAsync(app);
    }

    private static async Task<(int[] Index, float[] X, float[] Y)> ReadMapAsync(LiveAtlasApp app)
    {
        using var client = app.CreateClient();
        var body = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/umap/{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}"));
        return (body.GetProperty("index").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            body.GetProperty("x").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
            body.GetProperty("y").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    /// <summary>
    /// Shift-drags a box over the map canvas, checks the page counts <paramref name="expected"/> features in it,
    /// saves them as a new list named <paramref name="name"/> and returns the list's slug from the link shown.
    /// </summary>
    internal static async Task<string> SelectIntoNewListAsync(IPage page, LocatorBoundingBoxResult canvas, (double Left, double Top, double Right, double Bottom) box, int expected, string name)
    {
        var (left, top, right, bottom) = box;
        await page.Keyboard.DownAsync("Shift");
        await page.Mouse.MoveAsync((float)(canvas.X + left), (float)(canvas.Y + top));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)(canvas.X + right), (float)(canvas.Y + bottom), new() { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.Keyboard.UpAsync("Shift");

        await Microsoft.Playwright.Assertions.Expect(page.Locator(".map-side .selection .count")).ToHaveTextAsync(expected.ToString(CultureInfo.InvariantCulture));
        await page.GetByLabel("List name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "New list with these features" }).ClickAsync();
        var link = page.Locator(".map-side .list-status a");
        await Microsoft.Playwright.Assertions.Expect(link).ToHaveTextAsync($"List “{name}” with {expected} features");
        return (await link.GetAttributeAsync("href"))!.Split('/')[^1];
    }

    private static async Task<(IPage Page, LocatorBoundingBoxResult Canvas)> OpenMapAsync(IPage page)
    {
        await page.GotoAsync(MapPath);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid=map-status]")).ToHaveTextAsync($"{LiveAtlasApp.LiveDSae} features");
        return (page, (await page.Locator("#map canvas").BoundingBoxAsync())!);
    }

    [Fact]
    public async Task Map_AfterTheUmapJob_ReportsEveryFeatureAndDrawsThem()
    {
        chromium.SkipWhenUnavailable();
        var (_, x, y) = await MapAsync();
        var page = await chromium.NewPageAsync(app);

        var (_, canvas) = await OpenMapAsync(page);

        // Every point is drawn as a filled square: the pixel under each point's centre is painted.
        var screen = MapScreen.Screen(x, y, canvas.Width, canvas.Height);
        var alphas = await page.EvaluateAsync<int[]>("""
            points => {
              const c = document.querySelector('#map canvas');
              const r = c.width / c.getBoundingClientRect().width;
              const ctx = c.getContext('2d');
              return points.map(([x, y]) => ctx.getImageData(Math.floor(x * r), Math.floor(y * r), 1, 1).data[3]);
            }
            """, screen.Select(p => new[] { p.X, p.Y }).ToArray());
        Assert.All(alphas, a => Assert.True(a > 0, "a point's pixel is blank"));
        // And not everything is painted: a corner of the canvas (outside the 92% fit) stays blank.
        var corner = await page.EvaluateAsync<int>("() => document.querySelector('#map canvas').getContext('2d').getImageData(1, 1, 1, 1).data[3]");
        Assert.Equal(0, corner);

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "map.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Map_HoverOverAPoint_ShowsTheFeatureAndItsExplanation()
    {
        chromium.SkipWhenUnavailable();
        var (index, x, y) = await MapAsync();
        var page = await chromium.NewPageAsync(app);
        var (_, canvas) = await OpenMapAsync(page);
        var screen = MapScreen.Screen(x, y, canvas.Width, canvas.Height);
        var tip = page.Locator("#map .map-tip");

        // The two loneliest points, so the cursor is over each alone: the first gets an explanation, the second none.
        var lonely = MapScreen.Loneliest(screen, 2);
        var author = await app.SharedUserAsync("mapper");
        var explanation = await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = LiveAtlasApp.LiveModel, layer = LiveAtlasApp.LiveSae, index = index[lonely[0]], explanation = Explained }));
        try
        {
            await page.Mouse.MoveAsync((float)(canvas.X + screen[lonely[0]].X), (float)(canvas.Y + screen[lonely[0]].Y));
            await Microsoft.Playwright.Assertions.Expect(tip).ToHaveTextAsync($"{LiveAtlasApp.LiveSae} #{index[lonely[0]]}: {Explained}");
            await page.Mouse.MoveAsync((float)(canvas.X + screen[lonely[1]].X), (float)(canvas.Y + screen[lonely[1]].Y));
            await Microsoft.Playwright.Assertions.Expect(tip).ToHaveTextAsync($"{LiveAtlasApp.LiveSae} #{index[lonely[1]]} (no explanation)");
        }
        finally
        {
            // The app is shared with the other page tests, whose feature pages expect only their own explanations.
            await HttpAssert.StatusAsync(System.Net.HttpStatusCode.NoContent, await author.Client.PostAsJsonAsync("api/explanation/delete",
                new { explanationId = explanation.GetProperty("id").GetInt32() }));
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Map_SignedInShiftDragBox_MakesAListOfExactlyTheFeaturesInside()
    {
        chromium.SkipWhenUnavailable();
        var (index, x, y) = await MapAsync();
        var page = await chromium.NewPageAsync(app);
        var user = await SocialPageTests.SignUpAsync(page);
        var (_, canvas) = await OpenMapAsync(page);
        var screen = MapScreen.Screen(x, y, canvas.Width, canvas.Height);

        // A box over the left part of the map, its right edge in the widest gap between points' x (no point on an edge).
        var xs = screen.Select(p => p.X).Order().ToArray();
        var gap = Enumerable.Range(xs.Length / 4, xs.Length / 2).MaxBy(i => xs[i + 1] - xs[i]);
        double left = 10, top = 10, right = (xs[gap] + xs[gap + 1]) / 2, bottom = canvas.Height - 10;
        var expected = Enumerable.Range(0, index.Length)
            .Where(i => screen[i].X > left && screen[i].X < right && screen[i].Y > top && screen[i].Y < bottom)
            .Select(i => index[i]).Order().ToArray();
        Assert.InRange(expected.Length, index.Length / 4, index.Length * 3 / 4 + 1);

        var slug = await SelectIntoNewListAsync(page, canvas, (left, top, right, bottom), expected.Length, "Left of the map");
        using var client = app.CreateClient();
        var list = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/list/get", new { listId = slug }));
        Assert.Equal("Left of the map", list.GetProperty("name").GetString());
        Assert.Equal(user, list.GetProperty("userName").GetString());
        var features = list.GetProperty("features").EnumerateArray().ToArray();
        Assert.All(features, f => Assert.Equal((LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae), (f.GetProperty("modelId").GetString(), f.GetProperty("layer").GetString())));
        Assert.Equal(expected, features.Select(f => f.GetProperty("index").GetInt32()).Order());

        // The app is shared with the other page tests, whose feature pages expect only their own lists.
        var deleted = await page.EvaluateAsync<int>("id => fetch('/api/list/delete', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ listId: id }) }).then(r => r.status)", slug);
        Assert.Equal(204, deleted);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FeaturePage_SimilarFeatures_ListsTheApiTopTenWithCosines()
    {
        chromium.SkipWhenUnavailable();
        const int index = 9;
        var expected = LiveMaps.BruteForceSimilar(app.SaeDirectory, index).Take(10).ToArray();
        var page = await chromium.NewPageAsync(app);

        await page.GotoAsync(LiveAtlasApp.FeaturePath(index));

        var rows = page.Locator("section.similar .similar-sae").First.Locator("[data-testid=similar-feature]");
        await Microsoft.Playwright.Assertions.Expect(rows).ToHaveCountAsync(10);
        Assert.Equal($"{LiveAtlasApp.LiveSae} (this SAE)", await page.Locator("section.similar .similar-sae h3").First.TextContentAsync());
        var hrefs = await rows.Locator("a").EvaluateAllAsync<string[]>("a => a.map(e => e.getAttribute('href'))");
        var cosines = await rows.Locator("td:nth-child(2)").AllTextContentsAsync();
        Assert.Equal(expected.Select(e => "/" + LiveAtlasApp.FeaturePath(e.Index)), hrefs);
        // Shown to 3 decimals: within rounding of the brute-force cosine.
        for (var r = 0; r < expected.Length; r++) Assert.Equal(expected[r].Cosine, double.Parse(cosines[r], CultureInfo.InvariantCulture), 0.0006);
        await page.Context.CloseAsync();
    }
}
