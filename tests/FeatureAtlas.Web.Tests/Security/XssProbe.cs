using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// A Chromium page that notices script injection: every frame gets <c>__xss(id)</c> and an <c>alert</c>/<c>confirm</c>/
/// <c>prompt</c> that record a hit instead of running, dialogs are recorded too, and <see cref="ScanAsync"/> lists
/// what escaping should never let into the DOM (event-handler attributes, foreign or inline scripts, frames,
/// <c>javascript:</c>/<c>data:text/html</c> URLs, <c>&lt;base&gt;</c>). Content-Security-Policy violations reported on the
/// console are collected for information only.
/// </summary>
internal sealed class XssProbe(IPage page)
{
    private const string Hook = """
        window.__xssHits = [];
        window.__xss = id => { window.__xssHits.push(String(id)); };
        window.alert = window.confirm = window.prompt = m => { window.__xssHits.push('dialog:' + m); };
        """;

    // The site's own pages have no inline handlers, inline or foreign scripts, frames or <base> (script-src 'self').
    private const string Scan = """
        () => {
          const found = [];
          const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'xlink:href', 'poster', 'background'];
          for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) {
              const name = a.name.toLowerCase();
              if (name.startsWith('on')) found.push(`${el.tagName} ${name}="${a.value}"`);
              const value = a.value.replace(/[\u0000-\u0020\u200b]/g, '').toLowerCase();
              if (urlAttributes.includes(name) && /^(javascript|vbscript|data:text\/html)/.test(value)) found.push(`${el.tagName} ${name}="${a.value}"`);
              if (name === 'style' && /expression\(|javascript:/.test(value)) found.push(`${el.tagName} style="${a.value}"`);
            }
          }
          for (const s of document.querySelectorAll('script')) {
            if (!s.src || new URL(s.src, location.href).origin !== location.origin) found.push('SCRIPT ' + (s.src || s.textContent.slice(0, 60)));
          }
          for (const el of document.querySelectorAll('iframe, frame, object, embed, base, meta[http-equiv], math, svg script')) found.push(el.tagName + ' element');
          return found;
        }
        """;

    private readonly List<string> _dialogs = [];

    public IPage Page { get; } = page;

    /// <summary>Console messages about the Content-Security-Policy (what it blocked), for the test's output.</summary>
    public List<string> CspReports { get; } = [];

    public static async Task<XssProbe> OpenAsync(Chromium chromium, AtlasApp app, bool bypassCsp)
    {
        var page = await chromium.NewPageAsync(app, bypassCsp);
        var probe = new XssProbe(page);
        await page.Context.AddInitScriptAsync(Hook);
        page.Dialog += async (_, dialog) =>
        {
            lock (probe._dialogs) probe._dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) lock (probe.CspReports) probe.CspReports.Add(message.Text);
        };
        return probe;
    }

    /// <summary>Loads <paramref name="path"/>, asserts 200 with the site's CSP, and that nothing injected ran or is in the DOM.</summary>
    public async Task VisitAsync(string path, string what)
    {
        var response = await Page.GotoAsync(path);
        Assert.True(response is { Status: 200 }, $"{what}: GET {path} answered {response?.Status}.");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.True(csp is not null && csp.Contains("script-src 'self'", StringComparison.Ordinal), $"{what}: no script-src 'self' CSP on {path}: {csp}");
        await AssertCleanAsync(what);
    }

    /// <summary>Lets late handlers (focus, toggle, timers) fire, then asserts no hit and a clean DOM.</summary>
    public async Task AssertCleanAsync(string what)
    {
        await Page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 60)))");
        var hits = await HitsAsync();
        Assert.True(hits.Count == 0, $"{what}: injected script RAN on {Page.Url}: {string.Join(", ", hits)}");
        var found = await ScanAsync();
        Assert.True(found.Count == 0, $"{what}: injected markup is live in the DOM of {Page.Url}: {string.Join(" | ", found)}");
    }

    public async Task<List<string>> HitsAsync()
    {
        var hits = new List<string>();
        foreach (var frame in Page.Frames)
        {
            try
            {
                hits.AddRange(await frame.EvaluateAsync<string[]>("() => window.__xssHits || []"));
            }
            catch (PlaywrightException)
            {
                // A frame that is gone or cross-origin cannot be read; its calls to parent.__xss are counted there.
            }
        }
        lock (_dialogs) hits.AddRange(_dialogs);
        return hits;
    }

    public async Task<List<string>> ScanAsync() => [.. await Page.EvaluateAsync<string[]>(Scan)];
}
