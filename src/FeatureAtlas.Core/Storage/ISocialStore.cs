using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// What people do with features: stars (Neuronpedia's bookmarks), comments, and votes on explanations. An unknown
/// feature raises <see cref="KeyNotFoundException"/>; changing another user's comment, <see cref="ForbiddenException"/>.
/// </summary>
public interface ISocialStore
{
    /// <summary>Stars a feature for the user; starring twice is one star. Returns the feature's star count.</summary>
    Task<int> StarAsync(Actor actor, FeatureKey feature, CancellationToken cancellationToken);

    /// <summary>Removes the user's star, if any. Returns the feature's star count.</summary>
    Task<int> UnstarAsync(Actor actor, FeatureKey feature, CancellationToken cancellationToken);

    /// <summary>The feature's star count, and whether <paramref name="userId"/> starred it.</summary>
    Task<(int Count, bool Starred)> GetStarsAsync(FeatureKey feature, int? userId, CancellationToken cancellationToken);

    /// <summary>The features a user starred, newest first.</summary>
    Task<IReadOnlyList<FeatureKey>> ListStarsAsync(int userId, int limit, CancellationToken cancellationToken);

    /// <summary>Adds a comment (Markdown source, rendered sanitised by the web) on a feature.</summary>
    Task<CommentInfo> AddCommentAsync(Actor actor, FeatureKey feature, string text, CancellationToken cancellationToken);

    /// <summary>Deletes a comment: its author or an admin only. False when there is no such comment.</summary>
    Task<bool> DeleteCommentAsync(Actor actor, int commentId, CancellationToken cancellationToken);

    /// <summary>A feature's comments, oldest first.</summary>
    Task<IReadOnlyList<CommentInfo>> ListCommentsAsync(FeatureKey feature, CancellationToken cancellationToken);

    /// <summary>A user's comments, newest first, with the features they are on.</summary>
    Task<IReadOnlyList<CommentInfo>> ListCommentsByUserAsync(int userId, int limit, CancellationToken cancellationToken);

    /// <summary>Sets the user's vote (+1, −1, or 0 to withdraw it) on an explanation; returns its new total.</summary>
    Task<int> VoteExplanationAsync(Actor actor, int explanationId, int points, CancellationToken cancellationToken);
}
