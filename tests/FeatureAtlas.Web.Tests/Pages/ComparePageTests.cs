using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// /compare on the live SAE against a copy of itself with its features shuffled (a second SAE of the model, made by
/// the test from the first's weights): every feature's best match must be its own copy, at cosine 1, and the
/// page must say so. This class has its own app, so the extra SAE is seen by no other test.
/// </summary>
public sealed partial class ComparePageTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Permuted = "tiny-res1-perm";

    private static readonly ConditionalWeakTable<LiveAtlasApp, Lazy<Task<int[]>>> s_permutations = new();

    /// <summary>
    /// Adds <see cref="Permuted"/> (once per app, before the model is first loaded): its feature j is the live SAE's
    /// feature perm[j]. Returns where each live feature went: inverse[i] is the copy of feature i.
    /// </summary>
    private Task<int[]> PermutedCopyAsync() => s_permutations.GetValue(app, a => new Lazy<Task<int[]>>(async () =>
    {
        var sae = SparseAutoencoder.Load(a.SaeDirectory);
        int s = sae.DSae, d = sae.DIn;
        var perm = Enumerable.Range(0, s).ToArray();
        new Random(11).Shuffle(perm);
        var p = sae.Parameters;
        var wEnc = new float[p.WEnc.Length];
        var wDec = new float[p.WDec.Length];
        var bEnc = new float[s];
        for (var j = 0; j < s; j++)
        {
            p.WDec.AsSpan(perm[j] * d, d).CopyTo(wDec.AsSpan(j * d, d));
            for (var i = 0; i < d; i++) wEnc[i * s + j] = p.WEnc[i * s + perm[j]];
            bEnc[j] = p.BEnc![perm[j]];
        }
        var folder = Path.Combine(Path.GetDirectoryName(a.SaeDirectory)!, Permuted);
        SparseAutoencoder.FromParameters(sae.Config, new SaeParameters { WEnc = wEnc, WDec = wDec, BDec = p.BDec, BEnc = bEnc }).Save(folder);
        await a.Store.Models.UpsertSaeAsync(new SaeRecord(LiveAtlasApp.LiveModel, Permuted, folder, sae.HookName, sae.Config.Layer, d, s,
            sae.Config.Architecture.ToString().ToLowerInvariant(), sae.Config.Json.ToJsonString()), CancellationToken.None);
        var inverse = new int[s];
        for (var j = 0; j < s; j++) inverse[perm[j]] = j;
        return inverse;
    })).Value;

    private static string Section(string html, string testId)
    {
        var start = html.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the page has no {testId}");
        var end = html.IndexOf("</table>", start, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end)];
    }

    private static string Stat(string html, string label)
    {
        var match = Regex.Match(html, $"<span class=\"label\">{Regex.Escape(label)}</span>([^<]*)</div>");
        Assert.True(match.Success, $"the stats have no '{label}'");
        return match.Groups[1].Value.Trim();
    }

    private static (string SaeA, int A, string SaeB, int B, string Cosine)[] Pairs(string html) =>
        PairRow().Matches(Section(html, "compare-pairs"))
            .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value), m.Groups[3].Value, int.Parse(m.Groups[4].Value), m.Groups[5].Value.Trim()))
            .ToArray();

    [Fact]
    public async Task Compare_SaeAgainstItsShuffledCopy_EveryFeatureMatchesItsCopyAtCosineOne()
    {
        var inverse = await PermutedCopyAsync();
        // Independently: each feature's best match in the copy, by brute-force cosine of the two decoders.
        var a = LiveMaps.DecoderRows(app.SaeDirectory);
        var b = LiveMaps.DecoderRows(Path.Combine(Path.GetDirectoryName(app.SaeDirectory)!, Permuted));
        var best = a.Select(row => Enumerable.Range(0, b.Length).MaxBy(j => LiveMaps.Cosine(row, b[j]))).ToArray();
        Assert.Equal(inverse, best);
        using var client = app.CreateClient();

        var response = await client.GetAsync($"compare?model={LiveAtlasApp.LiveModel}&a={LiveAtlasApp.LiveSae}&b={Permuted}");

        await HttpAssert.StatusAsync(System.Net.HttpStatusCode.OK, response);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal("64 / 64", Stat(html, "Features A / B"));
        Assert.Equal("64", Stat(html, "Mutual best matches"));
        Assert.Equal("0", Stat(html, "Unique to A"));
        Assert.Equal("0", Stat(html, "Unique to B"));
        Assert.Equal("1.000 / 1.000", Stat(html, "Mean best cosine A→B / B→A"));
        var pairs = Pairs(html);
        Assert.Equal(50, pairs.Length);   // the page lists the first 50 pairs
        Assert.Equal(pairs.Length, pairs.Select(p => p.A).Distinct().Count());
        Assert.All(pairs, p =>
        {
            Assert.Equal((LiveAtlasApp.LiveSae, Permuted), (p.SaeA, p.SaeB));
            Assert.Equal(inverse[p.A], p.B);
            Assert.Equal("1.000", p.Cosine);
        });
    }

    [Fact]
    public async Task Compare_SaeAgainstItself_EveryFeatureIsItsOwnBestMatch()
    {
        await PermutedCopyAsync();
        using var client = app.CreateClient();

        var response = await client.GetAsync($"compare?model={LiveAtlasApp.LiveModel}&a={LiveAtlasApp.LiveSae}&b={LiveAtlasApp.LiveSae}");

        await HttpAssert.StatusAsync(System.Net.HttpStatusCode.OK, response);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal("64", Stat(html, "Mutual best matches"));
        Assert.Equal("1.000 / 1.000", Stat(html, "Mean best cosine A→B / B→A"));
        var pairs = Pairs(html);
        Assert.Equal(50, pairs.Length);
        Assert.All(pairs, p => Assert.Equal((p.A, "1.000"), (p.B, p.Cosine)));
    }

    [Fact]
    public async Task Compare_UnknownSae_Returns404()
    {
        await PermutedCopyAsync();
        using var client = app.CreateClient();

        var response = await client.GetAsync($"compare?model={LiveAtlasApp.LiveModel}&a={LiveAtlasApp.LiveSae}&b=no-such-sae");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [GeneratedRegex("""<tr>\s*<td><a href="/[^/"]+/([^/"]+)/(\d+)">#\d+</a></td><td class="muted">[^<]*</td>\s*<td><a href="/[^/"]+/([^/"]+)/(\d+)">#\d+</a></td><td class="muted">[^<]*</td>\s*<td>([^<]+)</td>""")]
    private static partial Regex PairRow();
}
