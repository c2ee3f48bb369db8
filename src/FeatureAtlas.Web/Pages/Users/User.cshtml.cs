using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Users;

/// <summary>
/// A user's page (<c>/user/{name}</c>): their public lists, recent comments and starred features. Their unlisted
/// lists are shown only to themselves.
/// </summary>
public sealed class UserPageModel(IUserStore userStore, IListStore listStore, ISocialStore socialStore, MarkdownRenderer markdown) : PageModel
{
    public const int Recent = 50;

    public Actor Owner { get; private set; } = null!;

    /// <summary>Whether the viewer is this user (and so sees their unlisted lists).</summary>
    public bool IsSelf { get; private set; }

    public IReadOnlyList<FeatureListInfo> Lists { get; private set; } = [];

    public IReadOnlyList<(CommentInfo Comment, string Html)> Comments { get; private set; } = [];

    public IReadOnlyList<FeatureKey> Stars { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken)
    {
        var owner = await userStore.FindUserAsync(name, cancellationToken);
        if (owner is null) return NotFound();
        Owner = owner;
        IsSelf = User.UserId() == owner.UserId;
        Lists = await listStore.ListListsAsync(owner.UserId, includeUnlisted: IsSelf, cancellationToken);
        var comments = await socialStore.ListCommentsByUserAsync(owner.UserId, Recent, cancellationToken);
        Comments = comments.Select(c => (c, markdown.ToHtml(c.Text))).ToArray();
        Stars = await socialStore.ListStarsAsync(owner.UserId, Recent, cancellationToken);
        return Page();
    }
}
