using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Corpora: token windows stored once (one blob per window), read back by window index.</summary>
public sealed class CorpusStore(AtlasDatabase database) : Store(database), ICorpusStore
{
    /// <summary>
    /// Stores the windows in one transaction with bulk inserts. Replacing a corpus that dashboards were computed
    /// over is refused: their window indexes would then point at other tokens.
    /// </summary>
    public async Task<CorpusInfo> AddCorpusAsync(string name, string source, int context, IEnumerable<int[]> windows, bool replace, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context);
        ArgumentNullException.ThrowIfNull(windows);
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var existing = await db.Corpora.SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (existing is not null)
        {
            if (!replace) throw new InvalidOperationException($"Corpus '{name}' already exists; replace it explicitly to overwrite it.");
            var users = await (from r in db.DashboardRuns
                               join s in db.Saes on r.SaeId equals s.Id
                               join m in db.Models on s.ModelId equals m.Id
                               where r.CorpusId == existing.Id
                               select m.Name + "/" + s.Name).ToListAsync(cancellationToken);
            if (users.Count > 0)
            {
                throw new InvalidOperationException($"Corpus '{name}' cannot be replaced: the dashboards of {string.Join(", ", users)} point into its windows.");
            }
            await db.Corpora.Where(c => c.Id == existing.Id).ExecuteDeleteAsync(cancellationToken); // windows cascade
            db.ChangeTracker.Clear();
        }

        var corpus = new CorpusEntity { Name = name, Source = source, Context = context, CreatedAt = Now() };
        db.Corpora.Add(corpus);
        await db.SaveChangesAsync(cancellationToken);

        long tokens = 0;
        var rows = windows.Select((window, index) =>
        {
            if (window is null || window.Length == 0) throw new ArgumentException($"Window {index} of corpus '{name}' is empty.", nameof(windows));
            tokens += window.Length;
            return new CorpusWindowEntity { CorpusId = corpus.Id, WindowIndex = index, TokenIds = Blobs.FromInt32s(window) };
        });
        corpus.Windows = checked((int)await BulkInserter.For(db).InsertAsync(db, rows, cancellationToken));
        corpus.Tokens = tokens;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ToInfo(corpus);
    }

    public async Task<CorpusInfo?> GetCorpusAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var db = CreateContext();
        var row = await db.Corpora.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        return row is null ? null : ToInfo(row);
    }

    public async Task<IReadOnlyList<CorpusInfo>> ListCorporaAsync(CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await db.Corpora.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return rows.Select(ToInfo).ToArray();
    }

    public async Task<IReadOnlyList<int[]>> ReadWindowsAsync(string corpus, int start, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = CreateContext();
        var id = await CorpusIdAsync(db, corpus, cancellationToken);
        var end = (int)Math.Min((long)start + count, int.MaxValue);
        var blobs = await db.CorpusWindows.AsNoTracking()
            .Where(w => w.CorpusId == id && w.WindowIndex >= start && w.WindowIndex < end)
            .OrderBy(w => w.WindowIndex)
            .Select(w => new { w.WindowIndex, w.TokenIds })
            .ToListAsync(cancellationToken);
        return blobs.Select(w => Blobs.ToInt32s(w.TokenIds, $"window {w.WindowIndex} of corpus '{corpus}'")).ToArray();
    }

    /// <summary>The windows asked for; an index the corpus does not have is an error naming it.</summary>
    public async Task<IReadOnlyDictionary<int, int[]>> ReadWindowsAsync(string corpus, IReadOnlyCollection<int> indexes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(indexes);
        await using var db = CreateContext();
        var result = new Dictionary<int, int[]>(indexes.Count);
        // Chunks keep the IN list well inside both providers' parameter limits. The corpus is joined by name rather
        // than looked up first: a feature page reads its examples' windows here, and that was one more round trip.
        foreach (var chunk in indexes.Distinct().Chunk(1000))
        {
            var blobs = await (from w in db.CorpusWindows.AsNoTracking()
                               join c in db.Corpora on w.CorpusId equals c.Id
                               where c.Name == corpus && chunk.Contains(w.WindowIndex)
                               select new { w.WindowIndex, w.TokenIds }).ToListAsync(cancellationToken);
            foreach (var w in blobs) result[w.WindowIndex] = Blobs.ToInt32s(w.TokenIds, $"window {w.WindowIndex} of corpus '{corpus}'");
        }
        var missing = indexes.Where(i => !result.ContainsKey(i)).Take(5).ToList();
        if (missing.Count > 0 || indexes.Count == 0)
        {
            // Say whether the corpus or the windows are missing.
            var id = await CorpusIdAsync(db, corpus, cancellationToken);
            if (missing.Count == 0) return result;
            var windows = await db.Corpora.Where(c => c.Id == id).Select(c => c.Windows).SingleAsync(cancellationToken);
            throw new KeyNotFoundException($"Corpus '{corpus}' has {windows} windows; it has no window {string.Join(", ", missing)}.");
        }
        return result;
    }

    private static async Task<int> CorpusIdAsync(AtlasDbContext db, string corpus, CancellationToken cancellationToken) =>
        await db.Corpora.Where(c => c.Name == corpus).Select(c => (int?)c.Id).SingleOrDefaultAsync(cancellationToken)
        ?? throw new KeyNotFoundException($"Corpus '{corpus}' is not in the store.");

    private static CorpusInfo ToInfo(CorpusEntity c) => new(c.Name, c.Source, c.Context, c.Windows, c.Tokens, c.CreatedAt);
}
