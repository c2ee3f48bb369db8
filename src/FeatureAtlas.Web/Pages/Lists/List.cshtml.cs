using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Lists;

/// <summary>
/// A list (<c>/list/{slug}</c>, also <c>?embed=true</c>): its owner, Markdown description and features, each with its
/// best explanation. Anyone with the id may read it (unlisted lists included); its owner (or an admin) edits it here.
/// </summary>
[Embeddable]
public sealed class ListPageModel(IListStore listStore, IExplanationStore explanationStore, MarkdownRenderer markdown) : PageModel
{
    public FeatureListInfo Info { get; private set; } = null!;

    public IReadOnlyList<FeatureListItem> Items { get; private set; } = [];

    public IReadOnlyDictionary<FeatureKey, string> Explanations { get; private set; } = new Dictionary<FeatureKey, string>();

    public string DescriptionHtml { get; private set; } = "";

    /// <summary>Whether the viewer may edit the list (its owner or an admin).</summary>
    public bool CanEdit { get; private set; }

    /// <summary>An error from a post on this page, shown above the forms.</summary>
    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken) =>
        await LoadAsync(slug, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostUpdateAsync(string slug, string? name, string? description, string? defaultTestText, bool isPublic, CancellationToken cancellationToken) =>
        WriteAsync(slug, actor => listStore.UpdateListAsync(
            actor, slug, name ?? "", Blank(description), Blank(defaultTestText), isPublic, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRemoveAsync(string slug, string? model, string? sae, int index, CancellationToken cancellationToken) =>
        WriteAsync(slug, actor => listStore.RemoveListItemAsync(actor, slug, new FeatureKey(model ?? "", sae ?? "", index), cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(string slug, CancellationToken cancellationToken)
    {
        var result = await WriteAsync(slug, actor => listStore.DeleteListAsync(actor, slug, cancellationToken), cancellationToken);
        return result is RedirectResult ? Redirect(Links.User(User.ToActor()!.UserName)) : result;
    }

    private async Task<IActionResult> WriteAsync(string slug, Func<Actor, Task> write, CancellationToken cancellationToken)
    {
        var actor = User.ToActor();
        if (actor is null) return Challenge();
        try
        {
            await write(actor);
        }
        catch (Exception e) when (e is ArgumentException or ForbiddenException or KeyNotFoundException)
        {
            if (!await LoadAsync(slug, cancellationToken)) return NotFound();
            Problem = UserMessages.Of(e);
            Response.StatusCode = e switch
            {
                ForbiddenException => StatusCodes.Status403Forbidden,
                KeyNotFoundException => StatusCodes.Status404NotFound,
                _ => StatusCodes.Status400BadRequest,
            };
            return Page();
        }
        // Post/redirect/get: a reload does not post twice.
        return Redirect(Links.List(slug));
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken cancellationToken)
    {
        var list = await listStore.GetListAsync(slug, cancellationToken);
        if (list is null) return false;
        (Info, Items) = list.Value;
        Explanations = await explanationStore.BestExplanationsAsync(Items.Select(i => i.Feature).ToArray(), cancellationToken);
        DescriptionHtml = Info.Description is null ? "" : markdown.ToHtml(Info.Description);
        CanEdit = User.ToActor()?.Owns(Info.OwnerId) == true;
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
