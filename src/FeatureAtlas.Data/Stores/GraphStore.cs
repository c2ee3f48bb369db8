using System.IO.Compression;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Attribution graphs on SQLite or PostgreSQL. JSON over <see cref="CompressAbove"/> bytes is stored gzip-compressed
/// (graph JSON of a pruned 32-token graph is a few megabytes of repetitive keys and shrinks about 6×); a graph is one
/// row, so a failed save stores nothing.
/// </summary>
public sealed class GraphStore(AtlasDatabase database) : Store(database), IGraphStore
{
    /// <summary>Smaller JSON is stored as it is: gzip saves little there and costs a step on every read.</summary>
    public const int CompressAbove = 32 * 1024;

    public async Task<GraphRecord> SaveGraphAsync(GraphRecord graph, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (json.IsEmpty) throw new ArgumentException("The graph JSON is empty.", nameof(json));
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, graph.Model, cancellationToken);
        if (await db.Graphs.AnyAsync(g => g.ModelId == modelId && g.Slug == graph.Slug, cancellationToken)) throw new GraphSlugTakenException(graph.Model, graph.Slug);
        var compressed = json.Length > CompressAbove;
        var row = new GraphEntity
        {
            ModelId = modelId, Slug = graph.Slug, UserId = graph.UserId, Prompt = graph.Prompt, SettingsJson = graph.SettingsJson,
            NodeCount = graph.Nodes, LinkCount = graph.Links, JsonBytes = json.Length, Compressed = compressed,
            Json = compressed ? Compress(json.Span) : json.ToArray(), CreatedAt = Now(),
        };
        db.Graphs.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same slug stored by another request between the check and this insert; anything else is rethrown.
            if (await SlugTakenAsync(modelId, graph.Slug, cancellationToken)) throw new GraphSlugTakenException(graph.Model, graph.Slug);
            throw;
        }
        var owner = graph.UserId is { } userId ? await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleOrDefaultAsync(cancellationToken) : null;
        return graph with { OwnerName = owner, JsonBytes = json.Length, CreatedAt = row.CreatedAt };
    }

    public async Task<GraphRecord?> GetGraphAsync(string model, string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(slug);
        await using var db = CreateContext();
        var rows = from g in db.Graphs join m in db.Models on g.ModelId equals m.Id where m.Name == model && g.Slug == slug select g;
        return await Records(db, rows).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<byte[]?> GetGraphJsonAsync(string model, string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(slug);
        await using var db = CreateContext();
        var row = await (from g in db.Graphs
                         join m in db.Models on g.ModelId equals m.Id
                         where m.Name == model && g.Slug == slug
                         select new { g.Id, g.Json, g.Compressed, g.JsonBytes }).SingleOrDefaultAsync(cancellationToken);
        if (row is null) return null;
        if (!row.Compressed) return row.Json;
        var json = Decompress(row.Json, row.JsonBytes, $"graphs[{row.Id}].json");
        return json;
    }

    public async Task<IReadOnlyList<GraphRecord>> ListGraphsAsync(int? userId, string? model, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = CreateContext();
        var rows = db.Graphs.AsQueryable();
        if (userId is not null) rows = rows.Where(g => g.UserId == userId);
        if (model is not null)
        {
            var modelId = await db.Models.Where(m => m.Name == model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken);
            if (modelId is null) return [];
            rows = rows.Where(g => g.ModelId == modelId);
        }
        // Newest first by id: SQLite cannot order by a DateTimeOffset column, and ids grow with time.
        return await Records(db, rows.OrderByDescending(g => g.Id).Take(limit)).ToListAsync(cancellationToken);
    }

    public async Task<bool> DeleteGraphAsync(Actor actor, string model, string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var row = await (from g in db.Graphs
                         join m in db.Models on g.ModelId equals m.Id
                         where m.Name == model && g.Slug == slug
                         select new { g.Id, g.UserId }).SingleOrDefaultAsync(cancellationToken);
        if (row is null) return false;
        if (!actor.Owns(row.UserId)) throw new ForbiddenException($"Graph '{slug}' of model '{model}' is not yours to delete.");
        return await db.Graphs.Where(g => g.Id == row.Id).ExecuteDeleteAsync(cancellationToken) == 1;
    }

    private static IQueryable<GraphRecord> Records(AtlasDbContext db, IQueryable<GraphEntity> rows) =>
        from g in rows
        join m in db.Models on g.ModelId equals m.Id
        join u in db.Users on g.UserId equals u.Id into owners
        from u in owners.DefaultIfEmpty()
        select new GraphRecord(m.Name, g.Slug, g.UserId, u == null ? null : u.UserName, g.Prompt, g.SettingsJson, g.NodeCount, g.LinkCount, g.JsonBytes, g.CreatedAt);

    private async Task<bool> SlugTakenAsync(int modelId, string slug, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        return await db.Graphs.AnyAsync(g => g.ModelId == modelId && g.Slug == slug, cancellationToken);
    }

    private static byte[] Compress(ReadOnlySpan<byte> json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(json);
        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] stored, long length, string what)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
            var json = new byte[length];
            gzip.ReadExactly(json);
            if (gzip.ReadByte() != -1) throw new InvalidDataException($"{what} holds more than the {length} bytes recorded.");
            return json;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"{what} is not the gzip of {length} bytes of graph JSON: {e.Message}", e);
        }
    }
}
