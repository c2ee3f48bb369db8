using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace FeatureAtlas.Web.Auth;

/// <summary>User names fit the form's and the database's 64 characters; a longer one is refused with a message, not stored cut or failing.</summary>
public sealed class UserNameLength : IUserValidator<UserEntity>
{
    public const int Max = 64;

    public Task<IdentityResult> ValidateAsync(UserManager<UserEntity> manager, UserEntity user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var length = user.UserName?.Length ?? 0;
        return Task.FromResult(length <= Max
            ? IdentityResult.Success
            : IdentityResult.Failed(new IdentityError { Code = "UserNameTooLong", Description = $"A user name may have at most {Max} characters; this one has {length:N0}." }));
    }
}
