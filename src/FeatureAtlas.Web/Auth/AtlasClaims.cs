using System.Security.Claims;
using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Web.Auth;

/// <summary>The claims both sign-in paths (cookie and API key) put on a user, and the <see cref="Actor"/> they make.</summary>
public static class AtlasClaims
{
    public const string AdminRole = "admin";

    public static ClaimsIdentity Identity(Actor actor, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, actor.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ClaimTypes.Name, actor.UserName));
        if (actor.IsAdmin) identity.AddClaim(new Claim(ClaimTypes.Role, AdminRole));
        return identity;
    }

    /// <summary>The signed-in user, or null for an anonymous request.</summary>
    public static Actor? ToActor(this ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return null;
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var name = principal.FindFirstValue(ClaimTypes.Name);
        if (!int.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var userId) || name is null) return null;
        return new Actor(userId, name, principal.IsInRole(AdminRole));
    }

    public static int? UserId(this ClaimsPrincipal principal) => principal.ToActor()?.UserId;
}
