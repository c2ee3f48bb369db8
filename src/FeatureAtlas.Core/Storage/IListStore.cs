using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// People's feature lists (Neuronpedia's lists) and the comments on them. Changes are the owner's or an admin's
/// (<see cref="ForbiddenException"/> otherwise); an unknown list raises <see cref="KeyNotFoundException"/>.
/// </summary>
public interface IListStore
{
    /// <summary>Creates a list owned by <paramref name="owner"/>; its name must be new among the owner's lists.</summary>
    Task<FeatureListInfo> CreateListAsync(Actor owner, string name, string? description, string? defaultTestText, bool isPublic, CancellationToken cancellationToken);

    /// <summary>A list and its features, or null when there is none with that id.</summary>
    Task<(FeatureListInfo Info, IReadOnlyList<FeatureListItem> Items)?> GetListAsync(string slug, CancellationToken cancellationToken);

    /// <summary>A user's lists, newest first; unlisted ones only when <paramref name="includeUnlisted"/>.</summary>
    Task<IReadOnlyList<FeatureListInfo>> ListListsAsync(int ownerId, bool includeUnlisted, CancellationToken cancellationToken);

    Task<FeatureListInfo> UpdateListAsync(Actor actor, string slug, string name, string? description, string? defaultTestText, bool isPublic, CancellationToken cancellationToken);

    Task DeleteListAsync(Actor actor, string slug, CancellationToken cancellationToken);

    /// <summary>
    /// Adds features (at most <see cref="CommunityLimits.MaxListAdd"/> a call) with optional notes; a feature already on
    /// the list keeps its place and takes the new note. All or nothing: one unknown feature adds none. Returns the list's size.
    /// </summary>
    Task<int> AddListItemsAsync(Actor actor, string slug, IReadOnlyList<(FeatureKey Feature, string? Note)> items, CancellationToken cancellationToken);

    /// <summary>Removes a feature from a list; false when it was not on it.</summary>
    Task<bool> RemoveListItemAsync(Actor actor, string slug, FeatureKey feature, CancellationToken cancellationToken);

    /// <summary>Adds a comment to a list anyone with its id can read.</summary>
    Task<ListCommentInfo> AddListCommentAsync(Actor actor, string slug, string text, CancellationToken cancellationToken);

    /// <summary>Deletes a list comment: its author or an admin only. False when there is no such comment.</summary>
    Task<bool> DeleteListCommentAsync(Actor actor, int commentId, CancellationToken cancellationToken);

    /// <summary>A list's comments, oldest first.</summary>
    Task<IReadOnlyList<ListCommentInfo>> ListListCommentsAsync(string slug, CancellationToken cancellationToken);
}
