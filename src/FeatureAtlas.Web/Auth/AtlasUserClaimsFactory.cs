using System.Security.Claims;
using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FeatureAtlas.Web.Auth;

/// <summary>Adds the admin role to an admin's sign-in cookie, so pages and endpoints see it without a query.</summary>
public sealed class AtlasUserClaimsFactory(UserManager<UserEntity> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<UserEntity>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(UserEntity user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.IsAdmin) identity.AddClaim(new Claim(ClaimTypes.Role, AtlasClaims.AdminRole));
        return identity;
    }
}
