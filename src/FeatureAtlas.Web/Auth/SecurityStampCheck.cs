using System.Security.Claims;
using FeatureAtlas.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FeatureAtlas.Web.Auth;

/// <summary>
/// Ends every session of a user whose security stamp changed (signing out, a new password, being made an admin or
/// not): each request with a sign-in cookie compares the stamp in the cookie with the user's stamp in the database,
/// and a cookie whose stamp is stale signs nobody in and is deleted. One indexed read per request that carries a
/// cookie; anonymous requests (the feature-page hot path) have no cookie and cost nothing. Identity's own validator
/// would instead, at an interval of zero, rebuild the principal (more queries) and re-issue the cookie on every
/// request.
/// </summary>
public static class SecurityStampCheck
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.Principal;
        var services = context.HttpContext.RequestServices;
        var stampType = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        var stamp = principal?.FindFirstValue(stampType);
        string? current = null;
        if (stamp is not null && int.TryParse(principal!.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            var db = services.GetRequiredService<AtlasDbContext>();
            current = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.SecurityStamp).SingleOrDefaultAsync(context.HttpContext.RequestAborted);
        }
        if (current is not null && string.Equals(current, stamp, StringComparison.Ordinal)) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
    }
}
