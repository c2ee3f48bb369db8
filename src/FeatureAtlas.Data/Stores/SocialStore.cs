using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Stars (Neuronpedia's bookmarks) and comments on features, and votes on explanations.</summary>
public sealed class SocialStore(AtlasDatabase database) : Store(database), ISocialStore
{
    /// <summary>Stars a feature for the user; starring twice is one star. Returns the feature's star count.</summary>
    public async Task<int> StarAsync(Actor actor, FeatureKey feature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        if (await db.Stars.FindAsync([actor.UserId, saeId, feature.Index], cancellationToken) is null)
        {
            db.Stars.Add(new StarEntity { UserId = actor.UserId, SaeId = saeId, FeatureIndex = feature.Index, CreatedAt = Now() });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // A concurrent request may have starred it first: then the star exists, which is what was asked.
                var exists = await db.Stars.AsNoTracking().AnyAsync(s => s.UserId == actor.UserId && s.SaeId == saeId && s.FeatureIndex == feature.Index, cancellationToken);
                if (!exists) throw;
            }
        }
        return await db.Stars.CountAsync(s => s.SaeId == saeId && s.FeatureIndex == feature.Index, cancellationToken);
    }

    /// <summary>Removes the user's star, if any. Returns the feature's star count.</summary>
    public async Task<int> UnstarAsync(Actor actor, FeatureKey feature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        await db.Stars.Where(s => s.UserId == actor.UserId && s.SaeId == saeId && s.FeatureIndex == feature.Index).ExecuteDeleteAsync(cancellationToken);
        return await db.Stars.CountAsync(s => s.SaeId == saeId && s.FeatureIndex == feature.Index, cancellationToken);
    }

    /// <summary>The feature's star count, and whether <paramref name="userId"/> starred it.</summary>
    public async Task<(int Count, bool Starred)> GetStarsAsync(FeatureKey feature, int? userId, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        var count = await db.Stars.CountAsync(s => s.SaeId == saeId && s.FeatureIndex == feature.Index, cancellationToken);
        return (count, userId is { } id && count > 0 && await StarredAsync(db, saeId, feature.Index, id, cancellationToken));
    }

    internal static Task<bool> StarredAsync(AtlasDbContext db, int saeId, int index, int userId, CancellationToken cancellationToken) =>
        db.Stars.AnyAsync(s => s.SaeId == saeId && s.FeatureIndex == index && s.UserId == userId, cancellationToken);

    /// <summary>The features a user starred, newest first.</summary>
    public async Task<IReadOnlyList<FeatureKey>> ListStarsAsync(int userId, int limit, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await (from s in db.Stars.AsNoTracking()
                          join sae in db.Saes on s.SaeId equals sae.Id
                          join m in db.Models on sae.ModelId equals m.Id
                          where s.UserId == userId
                          select new { m.Name, Sae = sae.Name, s.FeatureIndex, s.CreatedAt }).ToListAsync(cancellationToken);
        return rows.OrderByDescending(r => r.CreatedAt).Take(limit).Select(r => new FeatureKey(r.Name, r.Sae, r.FeatureIndex)).ToArray();
    }

    /// <summary>Adds a comment (Markdown source, rendered sanitised by the web) on a feature.</summary>
    public async Task<CommentInfo> AddCommentAsync(Actor actor, FeatureKey feature, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        text = UserText.Required(text, "comment", CommunityLimits.MaxComment);
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        var row = new CommentEntity { UserId = actor.UserId, SaeId = saeId, FeatureIndex = feature.Index, Text = text, CreatedAt = Now() };
        db.Comments.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new CommentInfo(row.Id, feature, actor.UserId, actor.UserName, text, row.CreatedAt);
    }

    /// <summary>Deletes a comment: its author or an admin only. False when there is no such comment.</summary>
    public async Task<bool> DeleteCommentAsync(Actor actor, int commentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var row = await db.Comments.FindAsync([commentId], cancellationToken);
        if (row is null) return false;
        if (!actor.Owns(row.UserId)) throw new ForbiddenException($"Comment {commentId} was written by another user.");
        db.Comments.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>A feature's comments, oldest first.</summary>
    public async Task<IReadOnlyList<CommentInfo>> ListCommentsAsync(FeatureKey feature, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var saeId = await FeatureSaeIdAsync(db, feature, cancellationToken);
        return await FeatureCommentsAsync(db, saeId, feature, cancellationToken);
    }

    private sealed record CommentRow(int Id, int UserId, string? UserName, string Text, DateTimeOffset CreatedAt);

    private static readonly PerProvider<Func<AtlasDbContext, int, int, IAsyncEnumerable<CommentRow>>> FeatureCommentRows = new(() =>
        EF.CompileAsyncQuery((AtlasDbContext db, int saeId, int index) =>
            from c in db.Comments.AsNoTracking()
            join u in db.Users on c.UserId equals u.Id
            where c.SaeId == saeId && c.FeatureIndex == index
            orderby c.Id
            select new CommentRow(c.Id, c.UserId, u.UserName, c.Text, c.CreatedAt)));

    internal static async Task<CommentInfo[]> FeatureCommentsAsync(AtlasDbContext db, int saeId, FeatureKey feature, CancellationToken cancellationToken)
    {
        var comments = new List<CommentInfo>();
        await foreach (var r in FeatureCommentRows.For(db)(db, saeId, feature.Index).WithCancellation(cancellationToken))
        {
            comments.Add(new CommentInfo(r.Id, feature, r.UserId, r.UserName!, r.Text, r.CreatedAt));
        }
        return comments.ToArray();
    }

    /// <summary>A user's comments, newest first, with the features they are on.</summary>
    public async Task<IReadOnlyList<CommentInfo>> ListCommentsByUserAsync(int userId, int limit, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await (from c in db.Comments.AsNoTracking()
                          join u in db.Users on c.UserId equals u.Id
                          join s in db.Saes on c.SaeId equals s.Id
                          join m in db.Models on s.ModelId equals m.Id
                          where c.UserId == userId
                          orderby c.Id descending
                          select new { c.Id, Model = m.Name, Sae = s.Name, c.FeatureIndex, u.UserName, c.Text, c.CreatedAt })
                         .Take(limit).ToListAsync(cancellationToken);
        return rows.Select(r => new CommentInfo(r.Id, new FeatureKey(r.Model, r.Sae, r.FeatureIndex), userId, r.UserName!, r.Text, r.CreatedAt)).ToArray();
    }

    /// <summary>Sets the user's vote (+1, −1, or 0 to withdraw it) on an explanation; returns its new total.</summary>
    public async Task<int> VoteExplanationAsync(Actor actor, int explanationId, int points, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var author = await db.Explanations.Where(e => e.Id == explanationId).Select(e => new { e.AuthorId }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new KeyNotFoundException($"Explanation {explanationId} does not exist.");
        actor.CheckVote(author.AuthorId, points);
        await db.ExplanationVotes.Where(v => v.ExplanationId == explanationId && v.UserId == actor.UserId).ExecuteDeleteAsync(cancellationToken);
        if (points != 0)
        {
            db.ExplanationVotes.Add(new ExplanationVoteEntity { ExplanationId = explanationId, UserId = actor.UserId, Points = points, CreatedAt = Now() });
            await db.SaveChangesAsync(cancellationToken);
        }
        return await db.ExplanationVotes.Where(v => v.ExplanationId == explanationId).SumAsync(v => v.Points, cancellationToken);
    }
}
