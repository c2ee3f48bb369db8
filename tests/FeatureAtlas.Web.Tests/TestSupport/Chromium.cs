using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// One headless Chromium for a collection of page tests, driven by Playwright's own offline driver (shipped in the
/// NuGet package); the browser is Debian's <c>chromium</c> (<see cref="DefaultPath"/>, or ATLAS_TEST_CHROMIUM), never
/// a downloaded one. As with ATLAS_TEST_POSTGRES: without that file the page tests report skipped on a developer's
/// machine (<see cref="SkipWhenUnavailable"/>) but fail under CI=true, which must run them (.ci/run installs the
/// package). A browser that is there but does not start always fails.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string DefaultPath = "/usr/bin/chromium";
    public const string PathVariable = "ATLAS_TEST_CHROMIUM";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _missing;   // why there is no browser

    public bool Skipped => _missing is not null;

    /// <summary>Reports the calling page test skipped when there is no browser (a fixture cannot skip its tests).</summary>
    public void SkipWhenUnavailable() => Assert.SkipWhen(Skipped, _missing ?? "");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium did not start.");

    /// <summary>The test output folder's screenshots directory (bin/…/screenshots; not committed).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            var message = $"Chromium is not at {path}, so the page tests cannot run: install Debian's chromium package (apt-get install chromium) or set {PathVariable}.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(message);
            _missing = message;
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

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
