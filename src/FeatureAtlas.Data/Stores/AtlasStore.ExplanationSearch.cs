using System.Linq.Expressions;
using System.Text.Json;
using FeatureAtlas.Data.Entities;
using FeatureAtlas.Data.Social;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Explanations written by people, votes on them, and full-text search over all explanations.</summary>
public sealed partial class AtlasStore
{
    public const int MaxExplanation = 1000;
    public const int SearchPageSize = 20;

    /// <summary>Adds a person's explanation of a feature (method <c>manual</c>).</summary>
    public async Task<ExplanationInfo> AddManualExplanationAsync(Actor actor, FeatureKey feature, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        text = CheckText(text, "explanation", MaxExplanation);
        await using var db = _database.CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        var row = new ExplanationEntity { SaeId = saeId, FeatureIndex = feature.Index, Text = text, Method = "manual", AuthorId = actor.UserId, CreatedAt = Now() };
        db.Explanations.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new ExplanationInfo(row.Id, feature, text, row.Method, null, actor.UserName, null, 0, row.CreatedAt, actor.UserId);
    }

    /// <summary>Deletes an explanation: its author or an admin only (machine explanations: admins only).</summary>
    public async Task<bool> DeleteExplanationAsync(Actor actor, int explanationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = _database.CreateContext();
        var row = await db.Explanations.FindAsync([explanationId], cancellationToken);
        if (row is null) return false;
        if (!(actor.IsAdmin || row.AuthorId == actor.UserId)) throw new ForbiddenException($"Explanation {explanationId} is not yours.");
        db.Explanations.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Sets the user's vote (+1, −1, or 0 to withdraw it) on an explanation; returns its new total.</summary>
    public async Task<int> VoteExplanationAsync(Actor actor, int explanationId, int points, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (points is < -1 or > 1) throw new ArgumentException($"A vote is +1, -1 or 0; got {points}.");
        await using var db = _database.CreateContext();
        var author = await db.Explanations.Where(e => e.Id == explanationId).Select(e => new { e.AuthorId }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new KeyNotFoundException($"Explanation {explanationId} does not exist.");
        if (points != 0 && author.AuthorId == actor.UserId) throw new ForbiddenException("You cannot vote on your own explanation.");
        await db.ExplanationVotes.Where(v => v.ExplanationId == explanationId && v.UserId == actor.UserId).ExecuteDeleteAsync(cancellationToken);
        if (points != 0)
        {
            db.ExplanationVotes.Add(new ExplanationVoteEntity { ExplanationId = explanationId, UserId = actor.UserId, Points = points, CreatedAt = Now() });
            await db.SaveChangesAsync(cancellationToken);
        }
        return await db.ExplanationVotes.Where(v => v.ExplanationId == explanationId).SumAsync(v => v.Points, cancellationToken);
    }

    /// <summary>One explanation by id, with its feature, author, scores and vote total; null when there is none.</summary>
    public async Task<ExplanationInfo?> GetExplanationAsync(int explanationId, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var row = await ExplanationQuery(db).Where(r => r.Id == explanationId).SingleOrDefaultAsync(cancellationToken);
        return row?.ToInfo();
    }

    /// <summary>A feature's explanations, best first: most votes, then newest.</summary>
    public async Task<IReadOnlyList<ExplanationInfo>> ListFeatureExplanationsAsync(FeatureKey feature, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        return await FeatureExplanationsAsync(db, saeId, feature.Index, cancellationToken);
    }

    private static async Task<ExplanationInfo[]> FeatureExplanationsAsync(AtlasDbContext db, int saeId, int index, CancellationToken cancellationToken)
    {
        var rows = new List<ExplanationRow>();
        await foreach (var row in FeatureExplanationRows.For(db)(db, saeId, index).WithCancellation(cancellationToken)) rows.Add(row);
        return rows.OrderByDescending(r => r.Votes).ThenByDescending(r => r.CreatedAt).Select(r => r.ToInfo()).ToArray();
    }

    /// <summary>
    /// Full-text search over explanation text (SQLite FTS5 with Porter stemming; PostgreSQL English text search),
    /// best matches first, <see cref="SearchPageSize"/> a page: everywhere, within one <paramref name="model"/>, or
    /// within some of its SAEs (<paramref name="saes"/>, Neuronpedia's <c>layers</c>). An unknown model gives no
    /// results; SAEs need their model, and any that it lacks raise <see cref="KeyNotFoundException"/> naming them.
    /// </summary>
    public async Task<(IReadOnlyList<ExplanationInfo> Results, bool HasMore)> SearchExplanationsAsync(
        string? model, IReadOnlyCollection<string>? saes, string query, int offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await using var db = _database.CreateContext();
        var saeIds = await SearchScopeAsync(db, model, saes, cancellationToken);
        var terms = SearchTerms(query);
        if (terms.Count == 0 || saeIds is []) return ([], false);

        // The scope is one parameter in the ranking query itself: a JSON array of SAE ids on SQLite, an int[] on PostgreSQL.
        IQueryable<RankedId> ranked = _database.Provider == AtlasProvider.Sqlite
            // Every term quoted as an FTS5 string, so user text is never FTS syntax; bm25: lower is better.
            ? saeIds is null
                ? db.Database.SqlQueryRaw<RankedId>(SqliteSearch, FtsQuery(terms))
                : db.Database.SqlQueryRaw<RankedId>(SqliteSearch + " AND e.sae_id IN (SELECT value FROM json_each({1}))", FtsQuery(terms), JsonSerializer.Serialize(saeIds))
            : saeIds is null
                ? db.Database.SqlQueryRaw<RankedId>(PostgresSearch, string.Join(" ", terms))
                : db.Database.SqlQueryRaw<RankedId>(PostgresSearch + " AND e.sae_id = ANY({1})", string.Join(" ", terms), saeIds);
        var rows = await (from r in ranked
                          join e in ExplanationQuery(db) on r.Id equals e.Id
                          orderby r.Rank, e.Id
                          select e).Skip(offset).Take(SearchPageSize + 1).ToListAsync(cancellationToken);
        return (rows.Take(SearchPageSize).Select(r => r.ToInfo()).ToArray(), rows.Count > SearchPageSize);
    }

    private const string SqliteSearch =
        "SELECT explanations_fts.rowid AS \"Id\", bm25(explanations_fts) AS \"Rank\" FROM explanations_fts JOIN explanations e ON e.id = explanations_fts.rowid " +
        "WHERE explanations_fts MATCH {0}";

    private const string PostgresSearch =
        "SELECT e.id AS \"Id\", -ts_rank(to_tsvector('english', e.text), plainto_tsquery('english', {0})) AS \"Rank\" FROM explanations e " +
        "WHERE to_tsvector('english', e.text) @@ plainto_tsquery('english', {0})";

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
        var found = await (from s in db.Saes
                           join m in db.Models on s.ModelId equals m.Id
                           where m.Name == model
                           select new { s.Id, s.Name }).ToListAsync(cancellationToken);
        if (names.Length == 0) return found.Select(s => s.Id).ToArray();
        if (found.Count == 0 && !await db.Models.AnyAsync(m => m.Name == model, cancellationToken)) throw UnknownModel(model);
        var missing = names.Where(n => !found.Any(s => s.Name == n)).ToArray();
        if (missing.Length > 0)
        {
            var list = string.Join(", ", missing.Select(n => $"'{n}'"));
            throw new KeyNotFoundException(missing.Length == 1
                ? $"SAE {list} of model '{model}' is not in the store."
                : $"SAEs {list} of model '{model}' are not in the store.");
        }
        return found.Where(s => names.Contains(s.Name)).Select(s => s.Id).ToArray();
    }

    /// <summary>Words of the query (letters, digits, apostrophes), at most 16, so any text is a safe query.</summary>
    internal static List<string> SearchTerms(string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return [];
        var words = System.Text.RegularExpressions.Regex.Matches(query, @"[\p{L}\p{N}']+").Select(m => m.Value.Trim('\'')).Where(w => w.Length > 0);
        return words.Take(16).ToList();
    }

    private sealed class RankedId
    {
        public int Id { get; init; }
        public double Rank { get; init; }
    }

    private sealed class ExplanationRow
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

        public ExplanationInfo ToInfo() =>
            new(Id, new FeatureKey(ModelId, SaeName, FeatureIndex), Text, Method, ExplainerModel, AuthorName, ScoresJson, Votes, CreatedAt, AuthorId);
    }

    private static IQueryable<ExplanationRow> ExplanationQuery(AtlasDbContext db) => ExplanationShape.On(db);

    // Every explanation with its model, SAE, author and vote total; filtered by ExplanationQuery's callers, and
    // compiled for one feature's (FeatureExplanationRows).
    private static readonly Expression<Func<AtlasDbContext, IQueryable<ExplanationRow>>> ExplanationShape = db =>
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
