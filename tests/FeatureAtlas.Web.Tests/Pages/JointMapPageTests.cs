using System.Globalization;
using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// A joint map (one UMAP of two SAEs) on /map in Chromium: every point of both SAEs painted, each in its SAE's colour;
/// hover and click reach the point's own SAE; a shift-drag box makes a list of exactly the features inside, of both SAEs.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class JointMapPageTests(Chromium chromium, JointMapAtlasApp app) : IClassFixture<JointMapAtlasApp>
{
    private const string Model = JointMapAtlasApp.JointModel;
    private const int Points = JointMapAtlasApp.DSaeA + JointMapAtlasApp.DSaeB;

    /// <summary>map.js's first two SAE colours, as RGB.</summary>
    private static readonly int[][] Palette = [[0xea, 0x58, 0x0c], [0x1d, 0x4e, 0xd8]];

    private sealed record Map(string[] Saes, int[] Sae, int[] Index, float[] X, float[] Y);

    private async Task<Map> ReadMapAsync()
    {
        using var client = app.CreateClient();
        var body = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/umap/{Model}/joint/{Uri.EscapeDataString(JointMapAtlasApp.JointName)}"));
        return new Map(body.GetProperty("saes").EnumerateArray().Select(v => v.GetString()!).ToArray(),
            body.GetProperty("sae").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            body.GetProperty("index").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            body.GetProperty("x").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
            body.GetProperty("y").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    private static async Task<LocatorBoundingBoxResult> OpenAsync(IPage page)
    {
        await page.GotoAsync(JointMapAtlasApp.JointMapPath);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid=map-status]")).ToHaveTextAsync($"{Points} features");
        return (await page.Locator("#map canvas").BoundingBoxAsync())!;
    }

    [Fact]
    public async Task JointMap_Opened_PaintsEveryPointOfBothSaesInItsSaesColour()
    {
        chromium.SkipWhenUnavailable();
        var map = await ReadMapAsync();
        var page = await chromium.NewPageAsync(app);

        var canvas = await OpenAsync(page);

        var screen = MapScreen.Screen(map.X, map.Y, canvas.Width, canvas.Height);
        var pixels = await page.EvaluateAsync<int[][]>("""
            points => {
              const c = document.querySelector('#map canvas');
              const r = c.width / c.getBoundingClientRect().width;
              const ctx = c.getContext('2d');
              return points.map(([x, y]) => [...ctx.getImageData(Math.floor(x * r), Math.floor(y * r), 1, 1).data]);
            }
            """, screen.Select(p => new[] { p.X, p.Y }).ToArray());
        Assert.All(pixels, p => Assert.True(p[3] > 0, "a point's pixel is blank"));
        // A point with no other within 10 px is painted alone: its pixel has its own SAE's colour. Both SAEs have some.
        var gap = MapScreen.NearestGap(screen);
        var alone = Enumerable.Range(0, Points).Where(i => gap[i] > 10).ToArray();
        Assert.True(alone.Count(i => map.Sae[i] == 0) >= 5 && alone.Count(i => map.Sae[i] == 1) >= 5, $"too few lone points to check colours: {alone.Length}");
        Assert.All(alone, i => Assert.True(Enumerable.Range(0, 3).All(c => Math.Abs(pixels[i][c] - Palette[map.Sae[i]][c]) <= 6),
            $"{map.Saes[map.Sae[i]]} #{map.Index[i]} is painted rgb({pixels[i][0]}, {pixels[i][1]}, {pixels[i][2]})"));
        Assert.Equal([JointMapAtlasApp.SaeA, JointMapAtlasApp.SaeB], await page.Locator(".map-side .legend div").AllTextContentsAsync());
        Assert.Equal("page", await page.GetByTestId("joint-maps").GetByRole(AriaRole.Link, new() { Name = JointMapAtlasApp.JointName }).GetAttributeAsync("aria-current"));

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "map-joint.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SeparateMaps_TwoSaes_AreDrawnSideBySideNotOverlapping()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync($"map?model={Model}&sae={JointMapAtlasApp.SaeA}&sae={JointMapAtlasApp.SaeB}");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid=map-status]")).ToHaveTextAsync($"{Points} features");

        // The x-extent of each SAE's colour on the canvas: two independent UMAPs, each in its own panel.
        var extents = await page.EvaluateAsync<int[][]>("""
            palette => {
              const c = document.querySelector('#map canvas');
              const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              const extents = palette.map(() => [c.width, -1]);
              for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
                const o = (y * c.width + x) * 4;
                palette.forEach((rgb, s) => {
                  if (data[o + 3] > 200 && rgb.every((v, k) => Math.abs(data[o + k] - v) <= 6)) {
                    extents[s][0] = Math.min(extents[s][0], x); extents[s][1] = Math.max(extents[s][1], x);
                  }
                });
              }
              return extents;
            }
            """, Palette);

        Assert.All(extents, e => Assert.True(e[1] >= e[0], "each SAE's points are painted"));
        Assert.True(extents[0][1] < extents[1][0], $"{JointMapAtlasApp.SaeA} spans x {extents[0][0]}–{extents[0][1]}, {JointMapAtlasApp.SaeB} {extents[1][0]}–{extents[1][1]}: they overlap");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task JointMap_HoverAndClick_ReachThePointsOwnSae()
    {
        chromium.SkipWhenUnavailable();
        var map = await ReadMapAsync();
        var page = await chromium.NewPageAsync(app);
        var canvas = await OpenAsync(page);
        var screen = MapScreen.Screen(map.X, map.Y, canvas.Width, canvas.Height);
        // The loneliest point of the second SAE, so the cursor is over it alone.
        var point = MapScreen.Loneliest(screen, Points).First(i => map.Sae[i] == 1);
        var author = await app.SharedUserAsync("mapper");
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = Model, layer = JointMapAtlasApp.SaeB, index = map.Index[point], explanation = "second SAE's feature" }));

        await page.Mouse.MoveAsync((float)(canvas.X + screen[point].X), (float)(canvas.Y + screen[point].Y));
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#map .map-tip")).ToHaveTextAsync($"{JointMapAtlasApp.SaeB} #{map.Index[point]}: second SAE's feature");
        var opened = page.WaitForURLAsync(url => url.EndsWith($"/{Model}/{JointMapAtlasApp.SaeB}/{map.Index[point]}", StringComparison.Ordinal));
        await page.Mouse.ClickAsync((float)(canvas.X + screen[point].X), (float)(canvas.Y + screen[point].Y));
        await opened;
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task JointMap_SignedInShiftDragBox_MakesAListOfExactlyTheFeaturesInsideFromBothSaes()
    {
        chromium.SkipWhenUnavailable();
        var map = await ReadMapAsync();
        var page = await chromium.NewPageAsync(app);
        await SocialPageTests.SignUpAsync(page);
        var canvas = await OpenAsync(page);
        var screen = MapScreen.Screen(map.X, map.Y, canvas.Width, canvas.Height);

        // A box over the left part of the map, its right edge in the widest gap between points' x (no point on an edge).
        var xs = screen.Select(p => p.X).Order().ToArray();
        var gap = Enumerable.Range(xs.Length / 4, xs.Length / 2).MaxBy(i => xs[i + 1] - xs[i]);
        double left = 10, top = 10, right = (xs[gap] + xs[gap + 1]) / 2, bottom = canvas.Height - 10;
        var expected = Enumerable.Range(0, Points)
            .Where(i => screen[i].X > left && screen[i].X < right && screen[i].Y > top && screen[i].Y < bottom)
            .Select(i => (Layer: map.Saes[map.Sae[i]], Index: map.Index[i])).Order().ToArray();
        Assert.Contains(expected, f => f.Layer == JointMapAtlasApp.SaeA);
        Assert.Contains(expected, f => f.Layer == JointMapAtlasApp.SaeB);

        var slug = await MapPageTests.SelectIntoNewListAsync(page, canvas, (left, top, right, bottom), expected.Length, "Joint left");
        using var client = app.CreateClient();
        var list = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/list/get", new { listId = slug }));
        var features = list.GetProperty("features").EnumerateArray()
            .Select(f => (Model: f.GetProperty("modelId").GetString(), Layer: f.GetProperty("layer").GetString()!, Index: f.GetProperty("index").GetInt32())).ToArray();
        Assert.All(features, f => Assert.Equal(Model, f.Model));
        Assert.Equal(expected, features.Select(f => (f.Layer, f.Index)).Order());
        await page.Context.CloseAsync();
    }
}
