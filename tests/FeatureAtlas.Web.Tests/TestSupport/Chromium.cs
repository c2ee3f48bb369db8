using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// One headless Chromium for a collection of page tests, driven by Playwright's own offline driver (shipped in the
/// NuGet package); the browser is Debian's <c>chromium</c> (<see cref="DefaultPath"/>, or ATLAS_TEST_CHROMIUM), never
/// a downloaded one. As with ATLAS_TEST_POSTGRES: without that file the page tests pass vacuously on a developer's
/// machine (<see cref="Skipped"/>, with the reason on stderr) but fail under CI=true, which must run them
/// (.ci/run installs the package). A browser that is there but does not start always fails.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string DefaultPath = "/usr/bin/chromium";
    public const string PathVariable = "ATLAS_TEST_CHROMIUM";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public bool Skipped { get; private set; }

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium did not start.");

    /// <summary>The test output folder's screenshots directory (bin/…/screenshots; not committed).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            var message = $"Chromium is not at {path}, so the page tests cannot run: install Debian's chromium package (apt-get install chromium) or set {PathVariable}.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(message);
            await Console.Error.WriteLineAsync("SKIPPING PAGE TESTS: " + message);
            Skipped = true;
            return;
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = path, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>
    /// A fresh context (own cookies) and page on the app. <paramref name="bypassCsp"/> turns the site's
    /// Content-Security-Policy off in the browser, so a test sees what escaping alone prevents.
    /// </summary>
    public async Task<IPage> NewPageAsync(AtlasApp app, bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = app.BaseAddress.ToString(),
            BypassCSP = bypassCsp,
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        // Generous: the CI machine has two cores shared with other builds.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
