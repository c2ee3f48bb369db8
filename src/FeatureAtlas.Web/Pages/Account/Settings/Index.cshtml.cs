using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Account.Settings;

/// <summary>A signed-in user's settings: API keys, created (shown once) and deleted here.</summary>
public sealed class SettingsModel(IUserStore userStore) : PageModel
{
    public IReadOnlyList<ApiKeyInfo> Keys { get; private set; } = [];

    public string? NewKey { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await userStore.ListApiKeysAsync(User.ToActor()!.UserId, cancellationToken);

    public async Task OnPostCreateAsync(string? name, CancellationToken cancellationToken)
    {
        var actor = User.ToActor()!;
        try
        {
            NewKey = (await userStore.CreateApiKeyAsync(actor, name ?? "", cancellationToken)).Key;
        }
        catch (ArgumentException e)
        {
            Problem = Rendering.UserMessages.Of(e);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        Keys = await userStore.ListApiKeysAsync(actor.UserId, cancellationToken);
    }

    public async Task<IActionResult> OnPostDeleteAsync(int id, CancellationToken cancellationToken)
    {
        await userStore.DeleteApiKeyAsync(User.ToActor()!, id, cancellationToken);
        return RedirectToPage();
    }
}
