using System.Linq.Expressions;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Feature lists, their items and the comments on them.</summary>
public sealed class ListStore(AtlasDatabase database) : Store(database), IListStore
{
    /// <summary>Creates a list owned by <paramref name="owner"/>; names may repeat (as on Neuronpedia), the slug is its own.</summary>
    public async Task<FeatureListInfo> CreateListAsync(Actor owner, string name, string? description, string? defaultTestText, bool isPublic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        name = UserText.Required(name, "name", CommunityLimits.MaxListName);
        UserText.Optional(description, "description", CommunityLimits.MaxListDescription);
        UserText.Optional(defaultTestText, "defaultTestText", CommunityLimits.MaxListTestText);
        await using var db = CreateContext();
        var now = Now();
        var row = new FeatureListEntity
        {
            Slug = ListSlug.New(), OwnerId = owner.UserId, Name = name, Description = description, DefaultTestText = defaultTestText,
            IsPublic = isPublic, CreatedAt = now, UpdatedAt = now,
        };
        db.Lists.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new FeatureListInfo(row.Slug, name, description, defaultTestText, isPublic, owner.UserId, owner.UserName, 0, now, now);
    }

    /// <summary>A list and its features, or null when there is none with that id.</summary>
    public async Task<(FeatureListInfo Info, IReadOnlyList<FeatureListItem> Items)?> GetListAsync(string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slug);
        await using var db = CreateContext();
        var row = await ListInfoQuery(db).Where(x => x.Slug == slug).SingleOrDefaultAsync(cancellationToken);
        if (row is null) return null;
        FeatureListInfo info = row;
        var items = await (from i in db.ListItems.AsNoTracking()
                           join l in db.Lists on i.ListId equals l.Id
                           join s in db.Saes on i.SaeId equals s.Id
                           join m in db.Models on s.ModelId equals m.Id
                           where l.Slug == slug
                           select new { m.Name, Sae = s.Name, i.FeatureIndex, i.Note, i.AddedAt }).ToListAsync(cancellationToken);
        var ordered = items.OrderBy(i => i.AddedAt).ThenBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Sae, StringComparer.Ordinal).ThenBy(i => i.FeatureIndex)
            .Select(i => new FeatureListItem(new FeatureKey(i.Name, i.Sae, i.FeatureIndex), i.Note, i.AddedAt)).ToArray();
        return (info, ordered);
    }

    /// <summary>A user's lists, newest first; unlisted ones only when <paramref name="includeUnlisted"/>.</summary>
    public async Task<IReadOnlyList<FeatureListInfo>> ListListsAsync(int ownerId, bool includeUnlisted, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await ListInfoQuery(db).Where(x => x.OwnerId == ownerId && (includeUnlisted || x.IsPublic)).ToListAsync(cancellationToken);
        return rows.OrderByDescending(r => r.UpdatedAt).Select(r => (FeatureListInfo)r).ToArray();
    }

    internal static async Task<FeatureListInfo[]> FeatureListsAsync(AtlasDbContext db, int saeId, int index, int? viewerId, CancellationToken cancellationToken)
    {
        var rows = new List<ListRow>();
        await foreach (var row in FeatureListRows.For(db)(db, saeId, index, viewerId).WithCancellation(cancellationToken)) rows.Add(row);
        return rows.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => (FeatureListInfo)r).ToArray();
    }

    public async Task<FeatureListInfo> UpdateListAsync(Actor actor, string slug, string name, string? description, string? defaultTestText, bool isPublic, CancellationToken cancellationToken)
    {
        name = UserText.Required(name, "name", CommunityLimits.MaxListName);
        UserText.Optional(description, "description", CommunityLimits.MaxListDescription);
        UserText.Optional(defaultTestText, "defaultTestText", CommunityLimits.MaxListTestText);
        await using var db = CreateContext();
        var row = await OwnedListAsync(db, actor, slug, cancellationToken);
        row.Name = name;
        row.Description = description;
        row.DefaultTestText = defaultTestText;
        row.IsPublic = isPublic;
        row.UpdatedAt = Now();
        await db.SaveChangesAsync(cancellationToken);
        return (await ListInfoQuery(db).SingleAsync(x => x.Id == row.Id, cancellationToken));
    }

    public async Task DeleteListAsync(Actor actor, string slug, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var row = await OwnedListAsync(db, actor, slug, cancellationToken);
        db.Lists.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Adds features (at most <see cref="CommunityLimits.MaxListAdd"/> a call) with optional notes; a feature already on the list
    /// keeps its place and takes the new note. All or nothing: one unknown feature adds none.
    /// </summary>
    public async Task<int> AddListItemsAsync(Actor actor, string slug, IReadOnlyList<(FeatureKey Feature, string? Note)> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("No features to add.");
        if (items.Count > CommunityLimits.MaxListAdd) throw new ArgumentException($"At most {CommunityLimits.MaxListAdd} features can be added at once; got {items.Count}.");
        foreach (var (_, note) in items) UserText.Optional(note, "note", CommunityLimits.MaxListNote);
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var list = await OwnedListAsync(db, actor, slug, cancellationToken);
        var now = Now();
        foreach (var (feature, note) in items)
        {
            var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
            var existing = await db.ListItems.FindAsync([list.Id, saeId, feature.Index], cancellationToken);
            if (existing is null)
            {
                db.ListItems.Add(new FeatureListItemEntity { ListId = list.Id, SaeId = saeId, FeatureIndex = feature.Index, Note = note, AddedAt = now });
            }
            else if (note is not null)
            {
                existing.Note = note;
            }
        }
        list.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await db.ListItems.CountAsync(i => i.ListId == list.Id, cancellationToken);
    }

    /// <summary>Removes a feature from a list; false when it was not on it.</summary>
    public async Task<bool> RemoveListItemAsync(Actor actor, string slug, FeatureKey feature, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var list = await OwnedListAsync(db, actor, slug, cancellationToken);
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        var removed = await db.ListItems.Where(i => i.ListId == list.Id && i.SaeId == saeId && i.FeatureIndex == feature.Index).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            list.UpdatedAt = Now();
            await db.SaveChangesAsync(cancellationToken);
        }
        return removed > 0;
    }

    private static async Task<FeatureListEntity> OwnedListAsync(AtlasDbContext db, Actor actor, string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(slug);
        var row = await db.Lists.SingleOrDefaultAsync(l => l.Slug == slug, cancellationToken)
            ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        if (!actor.Owns(row.OwnerId)) throw new ForbiddenException($"List '{slug}' belongs to another user.");
        return row;
    }

    // Member-initialised, not positional, so EF can translate filters on the projection.
    private sealed class ListRow
    {
        public int Id { get; init; }
        public required string Slug { get; init; }
        public required string Name { get; init; }
        public string? Description { get; init; }
        public string? DefaultTestText { get; init; }
        public bool IsPublic { get; init; }
        public int OwnerId { get; init; }
        public required string OwnerName { get; init; }
        public int FeatureCount { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }

        public static implicit operator FeatureListInfo(ListRow r) =>
            new(r.Slug, r.Name, r.Description, r.DefaultTestText, r.IsPublic, r.OwnerId, r.OwnerName, r.FeatureCount, r.CreatedAt, r.UpdatedAt);
    }

    private static IQueryable<ListRow> ListInfoQuery(AtlasDbContext db) => ListShape.On(db);

    // Every list with its owner's name and feature count; filtered by ListInfoQuery's callers, and compiled for the
    // lists holding one feature (FeatureListRows).
    private static readonly Expression<Func<AtlasDbContext, IQueryable<ListRow>>> ListShape = db =>
        from l in db.Lists.AsNoTracking()
        join u in db.Users on l.OwnerId equals u.Id
        select new ListRow
        {
            Id = l.Id, Slug = l.Slug, Name = l.Name, Description = l.Description, DefaultTestText = l.DefaultTestText,
            IsPublic = l.IsPublic, OwnerId = l.OwnerId, OwnerName = u.UserName!, FeatureCount = db.ListItems.Count(i => i.ListId == l.Id),
            CreatedAt = l.CreatedAt, UpdatedAt = l.UpdatedAt,
        };

    private static readonly PerProvider<Func<AtlasDbContext, int, int, int?, IAsyncEnumerable<ListRow>>> FeatureListRows = new(() =>
        EF.CompileAsyncQuery(ListShape.Where((AtlasDbContext db, ListRow x, int saeId, int index, int? viewerId) =>
            db.ListItems.Where(i => i.SaeId == saeId && i.FeatureIndex == index).Select(i => i.ListId).Contains(x.Id) && (x.IsPublic || x.OwnerId == viewerId))));

    /// <summary>Adds a comment to a list anyone with its id can read; an unknown list is a <see cref="KeyNotFoundException"/>.</summary>
    public async Task<ListCommentInfo> AddListCommentAsync(Actor actor, string slug, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        text = UserText.Required(text, "text", CommunityLimits.MaxComment);
        if (text.Trim().Length < CommunityLimits.MinListComment) throw new ArgumentException($"text must be at least {CommunityLimits.MinListComment} characters long.");
        await using var db = CreateContext();
        var listId = await db.Lists.Where(l => l.Slug == slug).Select(l => (int?)l.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        var row = new ListCommentEntity { ListId = listId, UserId = actor.UserId, Text = text, CreatedAt = Now() };
        db.ListComments.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new ListCommentInfo(row.Id, slug, actor.UserId, actor.UserName, text, row.CreatedAt);
    }

    /// <summary>Deletes a list comment: its author or an admin only. False when there is no such comment.</summary>
    public async Task<bool> DeleteListCommentAsync(Actor actor, int commentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var row = await db.ListComments.FindAsync([commentId], cancellationToken);
        if (row is null) return false;
        if (!actor.Owns(row.UserId)) throw new ForbiddenException($"List comment {commentId} was written by another user.");
        db.ListComments.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>A list's comments, oldest first.</summary>
    public async Task<IReadOnlyList<ListCommentInfo>> ListListCommentsAsync(string slug, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await (from c in db.ListComments.AsNoTracking()
                          join l in db.Lists on c.ListId equals l.Id
                          join u in db.Users on c.UserId equals u.Id
                          where l.Slug == slug
                          orderby c.Id
                          select new { c.Id, c.UserId, u.UserName, c.Text, c.CreatedAt }).ToListAsync(cancellationToken);
        return rows.Select(r => new ListCommentInfo(r.Id, slug, r.UserId, r.UserName!, r.Text, r.CreatedAt)).ToArray();
    }
}
