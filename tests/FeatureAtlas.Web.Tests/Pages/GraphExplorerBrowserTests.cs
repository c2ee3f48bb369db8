using Microsoft.Playwright;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The graph explorer in Chromium on the example graph (<see cref="GraphAtlasApp.ExampleGraph"/>): it draws every node,
/// hovering a node draws its edges, clicking one opens its edges and its feature's dashboard in the side panel, pins and
/// supernodes live in the address and survive a reload, and generating from the graphs page shows progress, then the graph.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class GraphExplorerBrowserTests(Chromium chromium, GraphAtlasApp app) : IClassFixture<GraphAtlasApp>
{
    private const string ExamplePath = $"{AtlasApp.Model}/graph/{GraphAtlasApp.ExampleSlug}";

    private static async Task<IPage> OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitForSelectorAsync("[data-graph-explorer][data-ready=true]");
        return page;
    }

    private static ILocator Node(IPage page, string id) => page.Locator($"[data-testid=link-graph] [data-node-id='{id}']");

    [Fact]
    public async Task Explorer_Renders_EveryNodeTokenAndNoEdgesUntilHover()
    {
        chromium.SkipWhenUnavailable();
        var page = await OpenAsync(await chromium.NewPageAsync(app), ExamplePath);

        Assert.Equal(7, await page.Locator("[data-testid=link-graph] .node").CountAsync());
        Assert.Equal(3, await page.Locator("[data-testid=link-graph] .node.embedding").CountAsync());
        Assert.Equal(["<|endoftext|>", "The", " whale"], await page.Locator("[data-testid=link-graph] .token-label").AllTextContentsAsync());
        Assert.Equal(0, await page.Locator("[data-testid=link-graph] .edge").CountAsync());
        // The logit row is drawn above the feature row, the feature row above the embeddings.
        var logitY = double.Parse((await Node(page, "13_318_2").GetAttributeAsync("cy"))!, System.Globalization.CultureInfo.InvariantCulture);
        var featureY = double.Parse((await Node(page, "8_5_2").GetAttributeAsync("cy"))!, System.Globalization.CultureInfo.InvariantCulture);
        var tokenY = double.Parse((await Node(page, "E_22206_2").GetAttributeAsync("cy"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(logitY < featureY && featureY < tokenY, $"logit {logitY}, feature {featureY}, token {tokenY}");
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "graph-explorer.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Hover_FeatureNode_DrawsItsIncomingAndOutgoingEdges()
    {
        chromium.SkipWhenUnavailable();
        var page = await OpenAsync(await chromium.NewPageAsync(app), ExamplePath);

        await Node(page, "8_5_2").HoverAsync();

        var edges = page.Locator("[data-testid=link-graph] .edge");
        await Assertions.Expect(edges).ToHaveCountAsync(3);
        var drawn = (await Task.WhenAll((await edges.AllAsync()).Select(e => e.GetAttributeAsync("data-edge")))).Select(e => e!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["8_3_1>8_5_2", "8_5_2>13_318_2", "E_22206_2>8_5_2"], drawn);
        Assert.Equal(1, await page.Locator("[data-testid=link-graph] .edge.negative").CountAsync());

        await page.Mouse.MoveAsync(2, 2);
        await Assertions.Expect(edges).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Click_FeatureNode_OpensPanelWithEdgesAndTheFeaturesDashboard()
    {
        chromium.SkipWhenUnavailable();
        var page = await OpenAsync(await chromium.NewPageAsync(app), ExamplePath);

        await Node(page, "8_3_1").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=node-title]")).ToHaveTextAsync(GraphAtlasApp.ExplainedClerp);
        Assert.Equal(["Emb: \"The\""], await page.Locator("[data-testid=incoming-edges] a").AllTextContentsAsync());
        Assert.Equal(["whale things", "Output \" is\" (p=0.412)"], await page.Locator("[data-testid=outgoing-edges] a").AllTextContentsAsync());
        var frame = page.Locator("[data-testid=feature-frame]");
        Assert.Equal($"/{AtlasApp.Model}/{AtlasApp.Sae}/3?embed=true", await frame.GetAttributeAsync("src"));
        // The dashboard itself loads in the panel: the feature page's own heading, in embed mode.
        await Assertions.Expect(page.FrameLocator("[data-testid=feature-frame]").Locator("h1")).ToContainTextAsync("#3");
        Assert.Contains("clickedId=8_3_1", page.Url, StringComparison.Ordinal);
        Assert.Equal(3, await page.Locator("[data-testid=link-graph] .edge").CountAsync());

        // An error node has no dashboard.
        await Node(page, "8_-1_2").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=node-title]")).ToHaveTextAsync("Error L8");
        Assert.True(await frame.IsHiddenAsync());
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await Node(page, "8_3_1").ClickAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "graph-explorer-panel.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PinAndSupernode_KeptInTheAddress_SurviveAReload()
    {
        chromium.SkipWhenUnavailable();
        var page = await OpenAsync(await chromium.NewPageAsync(app), ExamplePath);

        await Node(page, "8_3_1").ClickAsync();
        await page.Locator("[data-testid=pin-button]").ClickAsync();
        await Node(page, "8_5_2").ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Node(page, "13_318_2").ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Assertions.Expect(page.Locator("[data-testid=pinned-item]")).ToHaveCountAsync(3);
        await page.Locator("[data-testid=pinned-item][value='8_3_1']").CheckAsync();
        await page.Locator("[data-testid=pinned-item][value='8_5_2']").CheckAsync();
        await page.Locator("[data-testid=supernode-label]").FillAsync("whale detector");
        await page.Locator("[data-testid=supernode-group]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=supernode]")).ToHaveCountAsync(1);
        Assert.Equal(1, await page.Locator("[data-testid=subgraph-supernode]").CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid=subgraph-node]").CountAsync());
        // The supernode's two members send 2.0 − 0.5 to the logit: one summed edge.
        Assert.Equal(1, await page.Locator("[data-testid=subgraph-svg] .edge").CountAsync());
        var url = page.Url;
        Assert.Contains("pinnedIds=8_3_1%2C8_5_2%2C13_318_2", url, StringComparison.Ordinal);

        var reloaded = await OpenAsync(await chromium.NewPageAsync(app), new Uri(url).PathAndQuery);
        Assert.Equal(3, await reloaded.Locator("[data-testid=link-graph] .node.pinned").CountAsync());
        await Assertions.Expect(reloaded.Locator("[data-testid=supernode]")).ToContainTextAsync("whale detector: ");
        Assert.Equal(1, await reloaded.Locator("[data-testid=subgraph-supernode]").CountAsync());
        await Assertions.Expect(reloaded.Locator("[data-testid=node-title]")).ToHaveTextAsync(GraphAtlasApp.ExplainedClerp);
        Assert.Equal(2, await reloaded.Locator("[data-testid=graph-steer] tr[data-node-id]").CountAsync());
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await reloaded.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "graph-explorer-subgraph.png"), FullPage = true });
        await page.Context.CloseAsync();
        await reloaded.Context.CloseAsync();
    }

    [Fact]
    public async Task Generate_FromTheGraphsPage_ShowsProgressThenTheGraph()
    {
        chromium.SkipWhenUnavailable();
        var user = await app.SignUpAsync("page-grapher");
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync($"account/signin?returnUrl=/{LiveAtlasApp.LiveModel}/graph");
        await page.Locator("input[name=UserName]").FillAsync(user.Name);
        await page.Locator("input[name=Password]").FillAsync(user.Password);
        var signedIn = page.WaitForURLAsync($"**/{LiveAtlasApp.LiveModel}/graph");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await signedIn;

        await page.Locator("[data-testid=graph-prompt]").FillAsync("It is a way I have");
        await page.Locator("[data-testid=graph-slug]").FillAsync("way-i-have");
        var generated = page.WaitForURLAsync($"**/{LiveAtlasApp.LiveModel}/graph/way-i-have", new() { Timeout = 300_000 });
        await page.Locator("[data-testid=graph-generate-button]").ClickAsync();
        await generated;
        await page.WaitForSelectorAsync("[data-graph-explorer][data-ready=true]");
        Assert.True(await page.Locator("[data-testid=link-graph] .node.feature").CountAsync() > 0);
        await page.Context.CloseAsync();
    }
}
