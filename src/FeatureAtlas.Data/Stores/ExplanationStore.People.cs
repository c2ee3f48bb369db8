using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Explanations as people see them (with author and vote total): written, deleted and ranked by people, and found by full-text search.</summary>
public sealed partial class ExplanationStore
{
    /// <summary>Adds a person's explanation of a feature (method <c>manual</c>).</summary>
    public async Task<ExplanationRecord> AddManualExplanationAsync(Actor actor, FeatureKey feature, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        text = UserText.Required(text, "explanation", CommunityLimits.MaxExplanation);
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        var row = new ExplanationEntity { SaeId = saeId, FeatureIndex = feature.Index, Text = text, Method = "manual", AuthorId = actor.UserId, CreatedAt = Now() };
        db.Explanations.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new ExplanationRecord(feature.Index, text, row.Method, null, null, row.CreatedAt, actor.UserId)
        {
            Id = row.Id, Model = feature.Model, Sae = feature.Sae, AuthorName = actor.UserName,
        };
    }

    /// <summary>Deletes an explanation: its author or an admin only (machine explanations: admins only).</summary>
    public async Task<bool> DeleteExplanationAsync(Actor actor, int explanationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var row = await db.Explanations.FindAsync([explanationId], cancellationToken);
        if (row is null) return false;
        if (!actor.Owns(row.AuthorId)) throw new ForbiddenException($"Explanation {explanationId} is not yours.");
        db.Explanations.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Appends the score to the explanation's scores JSON with a compare-and-set on the text read, so two scores
    /// added at once both land (the loser reads again) and a duplicate (type, model) is refused whichever came first.
    /// </summary>
    public async Task AddExplanationScoreAsync(int explanationId, ExplanationScoreRecord score, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(score);
        for (var attempt = 0; ; attempt++)
        {
            await using var db = CreateContext();
            var row = await db.Explanations.Where(e => e.Id == explanationId).Select(e => new { e.ScoresJson }).SingleOrDefaultAsync(cancellationToken)
                ?? throw new KeyNotFoundException($"Explanation {explanationId} does not exist.");
            var old = row.ScoresJson;
            var scores = old is null ? new JsonObject() : JsonNode.Parse(old) as JsonObject ?? new JsonObject();
            if (scores["scored"] is not JsonArray scored) scores["scored"] = scored = [];
            if (scored.OfType<JsonObject>().Any(x => (string?)x["type"] == score.Type && (string?)x["model"] == score.Model))
            {
                throw new ArgumentException($"Explanation {explanationId} already has a {score.Type} score by {score.Model}.");
            }
            scored.Add(new JsonObject
            {
                ["type"] = score.Type, ["model"] = score.Model, ["value"] = score.Value, ["details"] = JsonNode.Parse(score.DetailsJson),
                ["initiated_by"] = score.InitiatedBy, ["created_at"] = score.CreatedAt,
            });
            var next = scores.ToJsonString();
            var updated = await db.Explanations.Where(e => e.Id == explanationId && e.ScoresJson == old)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.ScoresJson, next), cancellationToken);
            if (updated == 1) return;
            if (attempt >= 8) throw new InvalidOperationException($"Explanation {explanationId}'s scores kept changing while a score was added; try again.");
        }
    }

    /// <summary>One explanation by id, with its feature, author, scores and vote total; null when there is none.</summary>
    public async Task<ExplanationRecord?> GetExplanationAsync(int explanationId, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var row = await ExplanationQuery(db).Where(r => r.Id == explanationId).SingleOrDefaultAsync(cancellationToken);
        return row?.ToRecord();
    }

    /// <summary>A feature's explanations, best first: most votes, then newest.</summary>
    public async Task<IReadOnlyList<ExplanationRecord>> ListFeatureExplanationsAsync(FeatureKey feature, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        return await FeatureExplanationsAsync(db, saeId, feature.Index, cancellationToken);
    }

    internal static async Task<ExplanationRecord[]> FeatureExplanationsAsync(AtlasDbContext db, int saeId, int index, CancellationToken cancellationToken)
    {
        var rows = new List<ExplanationRow>();
        await foreach (var row in FeatureExplanationRows.For(db)(db, saeId, index).WithCancellation(cancellationToken)) rows.Add(row);
        return Ranked(rows);
    }

    /// <summary>One feature's explanation rows as records, best first: most votes, then newest.</summary>
    internal static ExplanationRecord[] Ranked(IEnumerable<ExplanationRow> rows) =>
        rows.OrderByDescending(r => r.Votes).ThenByDescending(r => r.CreatedAt).Select(r => r.ToRecord()).ToArray();

    /// <summary>
    /// Full-text search over explanation text (SQLite FTS5 with Porter stemming; PostgreSQL English text search),
    /// best matches first, <see cref="ExplanationSearch.PageSize"/> a page: everywhere, within one <paramref name="model"/>, or
    /// within some of its SAEs (<paramref name="saes"/>, Neuronpedia's <c>layers</c>). An unknown model gives no
    /// results; SAEs need their model, and any that it lacks raise <see cref="KeyNotFoundException"/> naming them.
    /// </summary>
    public async Task<(IReadOnlyList<ExplanationRecord> Results, bool HasMore)> SearchExplanationsAsync(
        string? model, IReadOnlyCollection<string>? saes, string query, int offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await using var db = CreateContext();
        var saeIds = await SearchScopeAsync(db, model, saes, cancellationToken);
        var terms = ExplanationSearch.Terms(query);
        if (terms.Count == 0 || saeIds is []) return ([], false);

        // The scope is one parameter in the ranking query itself: a JSON array of SAE ids on SQLite, an int[] on PostgreSQL.
        // The ranking query keeps only the rows up to this page's before the join, so the join reads a page of
        // explanations and not every match: a common word matches a sixth of the 588k synthetic explanations, and joining
        // them all doubled the search's time on SQLite.
        var limit = (long)offset + ExplanationSearch.PageSize + 1;
        const string Top = " ORDER BY \"Rank\", \"Id\" LIMIT {1}";
        IQueryable<RankedId> ranked = Database.Provider == AtlasProvider.Sqlite
            // Every term quoted as an FTS5 string, so user text is never FTS syntax; bm25: lower is better.
            ? saeIds is null
                ? db.Database.SqlQueryRaw<RankedId>(SqliteSearch + Top, FtsQuery(terms), limit)
                : db.Database.SqlQueryRaw<RankedId>(SqliteScopedSearch + Top, FtsQuery(terms), limit, JsonSerializer.Serialize(saeIds))
            : saeIds is null
                ? db.Database.SqlQueryRaw<RankedId>(PostgresSearch + Top, string.Join(" ", terms), limit)
                : db.Database.SqlQueryRaw<RankedId>(PostgresSearch + " AND e.sae_id = ANY({2})" + Top, string.Join(" ", terms), limit, saeIds);
        var rows = await (from r in ranked
                          join e in ExplanationQuery(db) on r.Id equals e.Id
                          orderby r.Rank, e.Id
                          select e).Skip(offset).Take(ExplanationSearch.PageSize + 1).ToListAsync(cancellationToken);
        return (rows.Take(ExplanationSearch.PageSize).Select(r => r.ToRecord()).ToArray(), rows.Count > ExplanationSearch.PageSize);
    }

    private const string SqliteSearch =
        "SELECT explanations_fts.rowid AS \"Id\", bm25(explanations_fts) AS \"Rank\" FROM explanations_fts WHERE explanations_fts MATCH {0}";

    private const string SqliteScopedSearch =
        "SELECT explanations_fts.rowid AS \"Id\", bm25(explanations_fts) AS \"Rank\" FROM explanations_fts JOIN explanations e ON e.id = explanations_fts.rowid " +
        "WHERE explanations_fts MATCH {0} AND e.sae_id IN (SELECT value FROM json_each({2}))";

    // text_search: the stored English tsvector of text (migration ExplanationSearchVector), GIN-indexed.
    private const string PostgresSearch =
        "SELECT e.id AS \"Id\", -ts_rank(e.text_search, plainto_tsquery('english', {0})) AS \"Rank\" FROM explanations e " +
        "WHERE e.text_search @@ plainto_tsquery('english', {0})";

    private static string FtsQuery(List<string> terms) => string.Join(" ", terms.Select(t => "\"" + t.Replace("\"", "\"\"") + "\""));

    /// <summary>The SAE ids a search is limited to: null for everywhere, none for an unknown model.</summary>
    private static async Task<int[]?> SearchScopeAsync(AtlasDbContext db, string? model, IReadOnlyCollection<string>? saes, CancellationToken cancellationToken)
    {
        var names = saes?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        if (model is null)
        {
            if (names.Length > 0) throw new ArgumentException("A search within SAEs (layers) needs the model they belong to (modelId).", nameof(saes));
            return null;
        }
        // Every SAE of the store (a short table), so a scope that holds them all searches everywhere: one model's atlas
        // needs no filter, which on SQLite read each match's row (50 of 120 ms for a word in 98k of 588k explanations).
        var all = await (from s in db.Saes
                         join m in db.Models on s.ModelId equals m.Id
                         select new { s.Id, s.Name, Model = m.Name }).ToListAsync(cancellationToken);
        var found = all.Where(s => s.Model == model).ToList();
        if (names.Length == 0) return found.Count > 0 && found.Count == all.Count ? null : found.Select(s => s.Id).ToArray();
        if (found.Count == 0 && !await db.Models.AnyAsync(m => m.Name == model, cancellationToken)) throw UnknownModel(model);
        var missing = names.Where(n => !found.Any(s => s.Name == n)).ToArray();
        if (missing.Length > 0)
        {
            var list = string.Join(", ", missing.Select(n => $"'{n}'"));
            throw new KeyNotFoundException(missing.Length == 1
                ? $"SAE {list} of model '{model}' is not in the store."
                : $"SAEs {list} of model '{model}' are not in the store.");
        }
        return names.Length == all.Count ? null : found.Where(s => names.Contains(s.Name)).Select(s => s.Id).ToArray();
    }

    private sealed class RankedId
    {
        public int Id { get; init; }
        public double Rank { get; init; }
    }

    /// <summary>An explanation with its model, SAE, author and vote total, as queries read it.</summary>
    internal sealed class ExplanationRow
    {
        public int Id { get; init; }
        public int SaeId { get; init; }
        public int FeatureIndex { get; init; }
        public required string ModelId { get; init; }
        public required string SaeName { get; init; }
        public required string Text { get; init; }
        public required string Method { get; init; }
        public string? ExplainerModel { get; init; }
        public string? AuthorName { get; init; }
        public int? AuthorId { get; init; }
        public string? ScoresJson { get; init; }
        public int Votes { get; init; }
        public DateTimeOffset CreatedAt { get; init; }

        public ExplanationRecord ToRecord() =>
            new(FeatureIndex, Text, Method, ExplainerModel, ScoresJson, CreatedAt, AuthorId) { Id = Id, Model = ModelId, Sae = SaeName, AuthorName = AuthorName, Votes = Votes };
    }

    private static IQueryable<ExplanationRow> ExplanationQuery(AtlasDbContext db) => ExplanationShape.On(db);

    // Every explanation with its model, SAE, author and vote total; filtered by ExplanationQuery's callers, and
    // compiled for one feature's (FeatureExplanationRows).
    internal static readonly Expression<Func<AtlasDbContext, IQueryable<ExplanationRow>>> ExplanationShape = db =>
        from e in db.Explanations.AsNoTracking()
        join s in db.Saes on e.SaeId equals s.Id
        join m in db.Models on s.ModelId equals m.Id
        join u in db.Users on e.AuthorId equals u.Id into authors
        from a in authors.DefaultIfEmpty()
        select new ExplanationRow
        {
            Id = e.Id, SaeId = e.SaeId, FeatureIndex = e.FeatureIndex, ModelId = m.Name, SaeName = s.Name, Text = e.Text,
            Method = e.Method, ExplainerModel = e.ModelName, AuthorName = a == null ? null : a.UserName, AuthorId = e.AuthorId, ScoresJson = e.ScoresJson,
            Votes = db.ExplanationVotes.Where(v => v.ExplanationId == e.Id).Sum(v => (int?)v.Points) ?? 0, CreatedAt = e.CreatedAt,
        };

    private static readonly PerProvider<Func<AtlasDbContext, int, int, IAsyncEnumerable<ExplanationRow>>> FeatureExplanationRows = new(() =>
        EF.CompileAsyncQuery(ExplanationShape.Where((AtlasDbContext _, ExplanationRow r, int saeId, int index) => r.SaeId == saeId && r.FeatureIndex == index)));
}
