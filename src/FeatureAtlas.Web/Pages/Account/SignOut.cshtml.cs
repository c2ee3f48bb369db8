using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Account;

/// <summary>
/// Signs out (a POST with anti-forgery, so another site cannot sign a user out). A new security stamp ends the user's
/// sessions everywhere: a copy of the cookie stops working too (<see cref="Auth.SecurityStampCheck"/>).
/// </summary>
public sealed class SignOutModel(SignInManager<UserEntity> signIn, UserManager<UserEntity> users) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is { } user) await users.UpdateSecurityStampAsync(user);
        await signIn.SignOutAsync();
        return LocalRedirect("/");
    }
}
