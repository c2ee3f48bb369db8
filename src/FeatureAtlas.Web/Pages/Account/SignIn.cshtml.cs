using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Account;

/// <summary>
/// Signs in with user name and password. Every failure gets the same answer, whether the account exists or not, and
/// no account is ever locked (that would let anyone lock anyone out); attempts are bounded per network address.
/// </summary>
public sealed class SignInModel(SignInManager<UserEntity> signIn, AtlasBudgets budgets) : PageModel
{
    [BindProperty]
    public string UserName { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (budgets.SignIns(HttpContext) is { } wait)
        {
            ModelState.AddModelError("", $"Too many sign-in and sign-up attempts from your network address; retry in {wait} s.");
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(UserName.Trim(), Password, isPersistent: true, lockoutOnFailure: false);
        if (result.Succeeded) return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
        ModelState.AddModelError("", "Wrong user name or password.");
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
