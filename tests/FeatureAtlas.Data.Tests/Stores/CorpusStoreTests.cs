using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class CorpusStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task AddCorpusAsync_ThenReadWindows_ReturnsTheTokens(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        var windows = SyntheticDashboards.Windows(300, 128, seed: 3).ToList();
        windows.Add([50256, 11, 12]); // a short last window, as text corpora end

        var info = await store.Corpora.AddCorpusAsync("moby", "moby-dick", 128, windows, replace: false, None);

        Assert.Equal(("moby", "moby-dick", 128, 301, 300L * 128 + 3), (info.Name, info.Source, info.Context, info.Windows, info.Tokens));
        Assert.Equal(info, await store.Corpora.GetCorpusAsync("moby", None));
        Assert.Equal([info], await store.Corpora.ListCorporaAsync(None));
        var range = await store.Corpora.ReadWindowsAsync("moby", 295, 10, None);
        Assert.Equal(6, range.Count);
        for (var i = 0; i < range.Count; i++) Assert.Equal(windows[295 + i], range[i]);
        var picked = await store.Corpora.ReadWindowsAsync("moby", [300, 7, 0, 7], None);
        Assert.Equal([0, 7, 300], picked.Keys.Order());
        foreach (var (index, tokens) in picked) Assert.Equal(windows[index], tokens);
        Assert.Empty(await store.Corpora.ReadWindowsAsync("moby", 400, 5, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task ReadWindowsByIndex_TwoCorpora_ReadsTheNamedOneAndSaysWhatIsMissing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Corpora.AddCorpusAsync("moby", "m", 4, [[1, 2], [3, 4], [5, 6]], replace: false, None);
        await store.Corpora.AddCorpusAsync("sotu", "s", 4, [[7, 8], [9]], replace: false, None);

        var picked = await store.Corpora.ReadWindowsAsync("sotu", [1, 0], None);
        var beyond = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Corpora.ReadWindowsAsync("sotu", [2, 0], None));
        var unknown = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Corpora.ReadWindowsAsync("nope", [0], None));
        var unknownNone = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Corpora.ReadWindowsAsync("nope", [], None));

        Assert.Equal([[7, 8], [9]], picked.OrderBy(p => p.Key).Select(p => p.Value));
        Assert.Equal("Corpus 'sotu' has 2 windows; it has no window 2.", beyond.Message);
        Assert.Equal("Corpus 'nope' is not in the store.", unknown.Message);
        Assert.Equal(unknown.Message, unknownNone.Message);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task AddCorpusAsync_DuplicateName_ThrowsUnlessReplace(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Corpora.AddCorpusAsync("sotu", "sotu", 4, [[1, 2, 3, 4], [5, 6]], replace: false, None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Corpora.AddCorpusAsync("sotu", "other", 4, [[9]], replace: false, None));
        Assert.Contains("'sotu'", error.Message);
        Assert.Equal([[1, 2, 3, 4], [5, 6]], await store.Corpora.ReadWindowsAsync("sotu", 0, 10, None));

        var replaced = await store.Corpora.AddCorpusAsync("sotu", "other", 4, [[9, 8]], replace: true, None);
        Assert.Equal((1, 2L, "other"), (replaced.Windows, replaced.Tokens, replaced.Source));
        Assert.Equal([[9, 8]], await store.Corpora.ReadWindowsAsync("sotu", 0, 10, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task AddCorpusAsync_FailsMidway_StoresNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Corpora.AddCorpusAsync("moby", "first", 8, [[1, 2]], replace: false, None);

        static IEnumerable<int[]> Failing()
        {
            for (var i = 0; i < 100; i++) yield return [i, i + 1];
            throw new IOException("Injected read failure.");
        }
        await Assert.ThrowsAsync<IOException>(() => store.Corpora.AddCorpusAsync("sotu", "x", 8, Failing(), replace: false, None));
        await Assert.ThrowsAsync<IOException>(() => store.Corpora.AddCorpusAsync("moby", "x", 8, Failing(), replace: true, None));

        Assert.Null(await store.Corpora.GetCorpusAsync("sotu", None));
        var moby = await store.Corpora.GetCorpusAsync("moby", None);
        Assert.Equal(("first", 1), (moby!.Source, moby.Windows));
        Assert.Equal([[1, 2]], await store.Corpora.ReadWindowsAsync("moby", 0, 10, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task AddCorpusAsync_ReplaceCorpusWithDashboards_Throws(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 4);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions(), SyntheticDashboards.Create(4, 1, 50), None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Corpora.AddCorpusAsync(Seed.Corpus, "x", 8, [[1]], replace: true, None));

        Assert.Contains($"{Seed.Model}/{Seed.Sae}", error.Message);
        Assert.Equal(50, (await store.Corpora.GetCorpusAsync(Seed.Corpus, None))!.Windows);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task ReadWindowsAsync_UnknownCorpusOrWindow_ThrowsNamingIt(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Corpora.AddCorpusAsync("moby", "m", 8, [[1, 2], [3]], replace: false, None);

        var corpus = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Corpora.ReadWindowsAsync("sotu", 0, 1, None));
        var window = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Corpora.ReadWindowsAsync("moby", [1, 5], None));
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => store.Corpora.AddCorpusAsync("sotu", "s", 8, [[1], []], replace: false, None));

        Assert.Contains("'sotu'", corpus.Message);
        Assert.Contains("no window 5", window.Message);
        Assert.Contains("Window 1", empty.Message);
        Assert.Null(await store.Corpora.GetCorpusAsync("sotu", None));
    }
}
