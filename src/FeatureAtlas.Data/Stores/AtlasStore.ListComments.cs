using FeatureAtlas.Data.Entities;
using FeatureAtlas.Data.Social;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    /// <summary>Neuronpedia refuses list comments shorter than 2 characters (after trimming).</summary>
    public const int MinListComment = 2;

    /// <summary>Adds a comment to a list anyone with its id can read; an unknown list is a <see cref="KeyNotFoundException"/>.</summary>
    public async Task<ListCommentInfo> AddListCommentAsync(Actor actor, string slug, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        text = CheckText(text, "text", MaxComment);
        if (text.Trim().Length < MinListComment) throw new ArgumentException($"text must be at least {MinListComment} characters long.");
        await using var db = _database.CreateContext();
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
        await using var db = _database.CreateContext();
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
        await using var db = _database.CreateContext();
        var rows = await (from c in db.ListComments.AsNoTracking()
                          join l in db.Lists on c.ListId equals l.Id
                          join u in db.Users on c.UserId equals u.Id
                          where l.Slug == slug
                          orderby c.Id
                          select new { c.Id, c.UserId, u.UserName, c.Text, c.CreatedAt }).ToListAsync(cancellationToken);
        return rows.Select(r => new ListCommentInfo(r.Id, slug, r.UserId, r.UserName!, r.Text, r.CreatedAt)).ToArray();
    }
}
