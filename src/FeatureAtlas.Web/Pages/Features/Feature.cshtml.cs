using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;

namespace FeatureAtlas.Web.Pages.Features;

/// <summary>
/// A feature's page (<c>/{model}/{sae}/{index}</c>): its dashboard, explanations, lists, comments and a live test box.
/// Stars, comments, explanations and list additions are posted here by signed-in users (forms with anti-forgery;
/// form posts are rate-limited site-wide, see <see cref="AtlasRateLimits"/>).
/// </summary>
[OutputCache(PolicyName = FeaturePageCache.PolicyName)]
[Embeddable]
public sealed class FeaturePageModel(ISocialStore socialStore, IExplanationStore explanationStore, IListStore listStore, FeatureViews views, MarkdownRenderer markdown, IOutputCacheStore cache, Api.SourceIds sources) : PageModel
{
    public FeatureView View { get; private set; } = null!;

    public IReadOnlyList<(CommentInfo Comment, string Html)> Comments { get; private set; } = [];

    public IReadOnlyList<FeatureListInfo> Lists { get; private set; } = [];

    /// <summary>The signed-in user's own lists, for "add to list".</summary>
    public IReadOnlyList<FeatureListInfo> MyLists { get; private set; } = [];

    public int Stars { get; private set; }

    public bool Starred { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? Text { get; set; }

    /// <summary><c>?context=full</c>: examples with every token of their windows (without script, "show full context" links here).</summary>
    [BindProperty(Name = "context", SupportsGet = true)]
    public string? Context { get; set; }

    public bool FullContext => string.Equals(Context, "full", StringComparison.OrdinalIgnoreCase);

    /// <summary>An error from a post on this page, shown above the forms.</summary>
    public string? Problem { get; private set; }

    public FeatureKey Key => View.Key;

    public async Task<IActionResult> OnGetAsync(string model, string sae, int index, CancellationToken cancellationToken)
    {
        var view = await views.GetAsync(new FeatureKey(model, sae, index), social: true, User.UserId(), cancellationToken);
        if (view is null)
        {
            // The API names SAEs by Neuronpedia source id (8-res-jb); a link built from one lands on the folder's page.
            if (await sources.ResolveAsync(model, sae, cancellationToken) is { } folder && folder != sae)
            {
                return RedirectPermanent($"/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(folder)}/{index}{Request.QueryString}");
            }
            return NotFound();
        }
        await ShowAsync(view, cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostStarAsync(string model, string sae, int index, bool star, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, async (actor, key) =>
        {
            if (star) await socialStore.StarAsync(actor, key, cancellationToken);
            else await socialStore.UnstarAsync(actor, key, cancellationToken);
        }, cancellationToken);

    public Task<IActionResult> OnPostCommentAsync(string model, string sae, int index, string? comment, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, (actor, key) => socialStore.AddCommentAsync(actor, key, comment ?? "", cancellationToken), cancellationToken, "comments");

    public Task<IActionResult> OnPostDeleteCommentAsync(string model, string sae, int index, int commentId, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, (actor, _) => socialStore.DeleteCommentAsync(actor, commentId, cancellationToken), cancellationToken, "comments");

    public Task<IActionResult> OnPostExplanationAsync(string model, string sae, int index, string? explanation, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, (actor, key) => explanationStore.AddManualExplanationAsync(actor, key, explanation ?? "", cancellationToken), cancellationToken, "explanations");

    public Task<IActionResult> OnPostVoteAsync(string model, string sae, int index, int explanationId, int points, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, (actor, _) => socialStore.VoteExplanationAsync(actor, explanationId, Api.ApiInput.Vote(points), cancellationToken), cancellationToken, "explanations");

    public Task<IActionResult> OnPostAddToListAsync(string model, string sae, int index, string? list, string? newList, string? note, CancellationToken cancellationToken) =>
        WriteAsync(model, sae, index, async (actor, key) =>
        {
            var slug = list;
            if (!string.IsNullOrWhiteSpace(newList)) slug = (await listStore.CreateListAsync(actor, newList, null, null, isPublic: true, cancellationToken)).Slug;
            if (string.IsNullOrEmpty(slug)) throw new ArgumentException("Choose a list or name a new one.");
            await listStore.AddListItemsAsync(actor, slug, [(key, string.IsNullOrWhiteSpace(note) ? null : note)], cancellationToken);
        }, cancellationToken, "lists");

    private async Task<IActionResult> WriteAsync(string model, string sae, int index, Func<Actor, FeatureKey, Task> write, CancellationToken cancellationToken, string? anchor = null)
    {
        var actor = User.ToActor();
        if (actor is null) return Challenge();
        var key = new FeatureKey(model, sae, index);
        try
        {
            await write(actor, key);
        }
        catch (Exception e) when (e is ArgumentException or ForbiddenException or KeyNotFoundException)
        {
            var view = await views.GetAsync(key, social: true, actor.UserId, cancellationToken);
            if (view is null) return NotFound();
            Problem = UserMessages.Of(e);
            Response.StatusCode = e is ForbiddenException ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
            await ShowAsync(view, cancellationToken);
            return Page();
        }
        // Anonymous readers see the new stars, comments and lists now, not when the cached page expires.
        await cache.EvictByTagAsync(FeaturePageCache.Tag(model, sae, index), cancellationToken);
        // Post/redirect/get: a reload does not post twice.
        return Redirect($"/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(sae)}/{index}" + (anchor is null ? "" : "#" + anchor));
    }

    private async Task ShowAsync(FeatureView view, CancellationToken cancellationToken)
    {
        View = view;
        var social = view.Social!;
        (Stars, Starred) = (social.Stars, social.Starred);
        Comments = social.Comments.Select(c => (c, markdown.ToHtml(c.Text))).ToArray();
        Lists = social.Lists;
        if (User.UserId() is { } id) MyLists = await listStore.ListListsAsync(id, includeUnlisted: true, cancellationToken);
    }
}
