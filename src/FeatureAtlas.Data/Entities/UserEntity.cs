using Microsoft.AspNetCore.Identity;

namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A person using the atlas (table <c>users</c>), an ASP.NET Core Identity user: <c>UserName</c> is unique and is
/// the name in URLs (<c>/user/{name}</c>); the password is stored only as Identity's salted hash.
/// </summary>
public sealed class UserEntity : IdentityUser<int>
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Admins moderate: they may edit or delete anyone's lists, comments and explanations.</summary>
    public bool IsAdmin { get; set; }
}
