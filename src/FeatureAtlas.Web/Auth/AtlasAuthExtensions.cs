using FeatureAtlas.Data;
using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace FeatureAtlas.Web.Auth;

/// <summary>
/// Accounts are ASP.NET Core Identity users in the atlas database; a request is signed in by the Identity cookie
/// or by an <c>x-api-key</c> header. API paths answer 401/403 instead of redirecting to the sign-in page.
/// </summary>
public static class AtlasAuthExtensions
{
    public const string PolicyScheme = "atlas";
    public const string SignedIn = "signed-in";

    public static IServiceCollection AddAtlasAuth(this IServiceCollection services)
    {
        services.AddIdentityCore<UserEntity>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                // No account lockout: anyone could lock anyone out, and its message told who has an account.
                // Sign-in attempts are bounded per network address instead (AtlasBudgets.SignIns).
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddUserValidator<UserNameLength>()
            .AddSignInManager()
            .AddEntityFrameworkStores<AtlasDbContext>()
            .AddClaimsPrincipalFactory<AtlasUserClaimsFactory>();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = PolicyScheme;
                o.DefaultChallengeScheme = PolicyScheme;
            })
            .AddPolicyScheme(PolicyScheme, "Cookie or API key", o =>
                o.ForwardDefaultSelector = context => context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie!.Configure(o =>
            {
                o.Cookie.Name = "atlas.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/account/signin";
                o.LogoutPath = "/account/signout";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = TimeSpan.FromDays(30);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = SecurityStampCheck.ValidateAsync;
                o.Events.OnRedirectToLogin = context => ApiStatusOrRedirect(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => ApiStatusOrRedirect(context, StatusCodes.Status403Forbidden);
            }));

        services.AddAuthorizationBuilder()
            .AddPolicy(SignedIn, p => p.RequireAuthenticatedUser())
            .AddPolicy(AtlasClaims.AdminRole, p => p.RequireRole(AtlasClaims.AdminRole));
        return services;
    }

    private static Task ApiStatusOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
