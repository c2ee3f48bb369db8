using System.Collections.Concurrent;
using System.Text.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>The read behind a feature's page (see <see cref="ReadFeatureAsync"/>).</summary>
public sealed class FeaturePageStore(AtlasDatabase database) : Store(database), IFeaturePageStore
{
    // Parsed dashboard runs by (SAE id, created at): a run row is only ever replaced by one with a new creation time, so
    // an entry never goes stale; at most one live entry per SAE, cleared wholesale if replaced runs pile up.
    private readonly ConcurrentDictionary<(int SaeId, DateTimeOffset CreatedAt), SaeDashboardSummary> _runs = new();

    // Model, SAE, dashboard run, corpus name, the feature's row and, when `explain`, its explanations (the explanation
    // store's own shape, inlined as a subquery) in one statement (left joins: the run, the row and explanations may be
    // absent). SQLite runs the explanations' subquery before the
    // join, over every SAE's explanations of that index without an index to find them (38 ms a page at 588k), so there
    // `explain` is false, which SQLite tests once and reads nothing, and the explanations are a statement of their own.
    private static readonly PerProvider<Func<AtlasDbContext, string, string, int, bool, CancellationToken, Task<FeatureHead?>>> FeatureHeadRow = new(() =>
        EF.CompileAsyncQuery(QueryShapes.Inline<Func<AtlasDbContext, string, string, int, bool, CancellationToken, FeatureHead?>>((AtlasDbContext db, string model, string sae, int index, bool explain, CancellationToken _) =>
            (from m in db.Models.AsNoTracking()
             join s in db.Saes.AsNoTracking() on m.Id equals s.ModelId
             where m.Name == model && s.Name == sae
             join r0 in db.DashboardRuns.AsNoTracking() on s.Id equals r0.SaeId into runs
             from r in runs.DefaultIfEmpty()
             join c0 in db.Corpora.AsNoTracking() on r!.CorpusId equals c0.Id into corpora
             from c in corpora.DefaultIfEmpty()
             join f0 in db.Features.AsNoTracking().Where(f => f.FeatureIndex == index) on s.Id equals f0.SaeId into features
             from f in features.DefaultIfEmpty()
             select new FeatureHead(m, s, r, c!.Name, f,
                 db.Stars.Count(x => x.SaeId == s.Id && x.FeatureIndex == index),
                 db.Comments.Any(x => x.SaeId == s.Id && x.FeatureIndex == index),
                 db.ListItems.Any(x => x.SaeId == s.Id && x.FeatureIndex == index),
                 QueryShapes.Of(ExplanationStore.ExplanationShape, db)
                     .Where(x => explain && x.SaeId == s.Id && x.FeatureIndex == index).ToList())).SingleOrDefault())));

    /// <summary>
    /// The feature's page data in one context and one connection (see <see cref="BeginPageReadAsync"/>): one statement for model, SAE, run,
    /// dashboard row, explanations (on SQLite, a statement of their own: see <see cref="FeatureHeadRow"/>) and star count
    /// (and whether comments or lists exist) and, with
    /// <paramref name="social"/>, the comments and lists (as <paramref name="viewerId"/> may see them) where there are
    /// any, each a compiled query, on SQLite on a connection that keeps them prepared (<see cref="PreparedSqliteConnection"/>).
    /// Null when the model, SAE or index does not exist. Eleven short-lived contexts took 5 ms and 700 KB of allocation
    /// per page on SQLite; this takes a fraction. On PostgreSQL each statement is a round trip, with a wake-up of the
    /// server and of the site: reading the explanations in the head statement, not in one of their own, served 1.15-1.23x
    /// the pages a second under load (600k synthetic features).
    /// </summary>
    public async Task<StoredFeature?> ReadFeatureAsync(FeatureKey key, bool social, int? viewerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key.Model);
        ArgumentNullException.ThrowIfNull(key.Sae);
        if (key.Index < 0) return null;
        await using var db = CreateContext();
        using var lease = Database.PreparedReads?.Lend(db);
        await using var read = await BeginPageReadAsync(db, cancellationToken);
        var explainInHead = Database.Provider == AtlasProvider.Postgres;
        var head = await FeatureHeadRow.For(Database.Provider)(db, key.Model, key.Sae, key.Index, explainInHead, cancellationToken);
        if (head is null || (head.Sae.DSae > 0 && key.Index >= head.Sae.DSae)) return null;
        var saeId = head.Sae.Id;
        var run = head.Run is null || head.Corpus is null ? null : Summary(key.Model, key.Sae, head.Run, head.Corpus);
        var dashboard = run is null || head.Feature is null ? null : DashboardRows.ToDashboard(head.Feature, $"{key.Model}/{key.Sae}");
        var explanations = explainInHead
            ? ExplanationStore.Ranked(head.Explanations)
            : await ExplanationStore.FeatureExplanationsAsync(db, saeId, key.Index, cancellationToken);
        FeatureSocial? people = null;
        if (social)
        {
            // The head row says whether there is anything to read: most features have no star, comment or list.
            var starred = viewerId is not null && head.Stars > 0 && await SocialStore.StarredAsync(db, saeId, key.Index, viewerId.Value, cancellationToken);
            var comments = head.HasComments ? await SocialStore.FeatureCommentsAsync(db, saeId, key, cancellationToken) : [];
            var lists = head.HasLists ? await ListStore.FeatureListsAsync(db, saeId, key.Index, viewerId, cancellationToken) : [];
            people = new FeatureSocial(head.Stars, starred, comments, lists);
        }
        return new StoredFeature(ModelStore.ToRecord(head.Model), ModelStore.ToRecord(key.Model, head.Sae), run, dashboard, explanations, people);
    }

    /// <summary>
    /// Holds one connection for the page's statements. SQLite reads them in one deferred transaction, one snapshot at
    /// no cost. PostgreSQL reads each statement's own committed state (READ COMMITTED) with no transaction: BEGIN
    /// and ROLLBACK were a round trip and two parsed statements of five per page. The statements after the head row
    /// only add the feature's explanations, comments and lists, so a write committed between them shows as it would
    /// on the next read.
    /// </summary>
    private static async Task<IAsyncDisposable> BeginPageReadAsync(AtlasDbContext db, CancellationToken cancellationToken)
    {
        if (db is SqliteAtlasDbContext) return await BeginSnapshotAsync(db, cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        return new HeldConnection(db);
    }

    private sealed class HeldConnection(AtlasDbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await db.Database.CloseConnectionAsync();
    }

    private SaeDashboardSummary Summary(string model, string sae, DashboardRunEntity r, string corpus)
    {
        if (_runs.TryGetValue((r.SaeId, r.CreatedAt), out var hit)) return hit;
        if (_runs.Count > 4096) _runs.Clear();
        var summary = DashboardStore.ToSummary(model, sae, r, corpus);
        _runs[(r.SaeId, r.CreatedAt)] = summary;
        return summary;
    }

    private sealed record FeatureHead(
        ModelEntity Model, SaeEntity Sae, DashboardRunEntity? Run, string? Corpus, FeatureEntity? Feature, int Stars, bool HasComments, bool HasLists,
        List<ExplanationStore.ExplanationRow> Explanations);
}
