using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Account;

/// <summary>
/// Creates an account (user name and password, no e-mail needed) and signs it in. Sign-ups spend the network
/// address's sign-in budget, so one address cannot mint accounts without bound.
/// </summary>
public sealed class SignUpModel(UserManager<UserEntity> users, SignInManager<UserEntity> signIn, AtlasWebOptions options, AtlasBudgets budgets) : PageModel
{
    [BindProperty]
    public string UserName { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool Allowed => options.AllowSignup;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Allowed) return Forbid();
        if (budgets.SignIns(HttpContext) is { } wait)
        {
            ModelState.AddModelError("", $"Too many sign-in and sign-up attempts from your network address; retry in {wait} s.");
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        var user = new UserEntity { UserName = UserName.Trim(), CreatedAt = DateTimeOffset.UtcNow };
        var result = await users.CreateAsync(user, Password);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors) ModelState.AddModelError("", error.Description);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await signIn.SignInAsync(user, isPersistent: true);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : $"/user/{user.UserName}");
    }
}
