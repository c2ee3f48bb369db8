using System.Security.Claims;
using System.Text.Encodings.Web;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FeatureAtlas.Web.Auth;

/// <summary>
/// Signs a request in by its <c>x-api-key</c> header (Neuronpedia's). An unknown key fails authentication, so a
/// write with a wrong key is 401, never anonymous.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IUserStore userStore)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "x-api-key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values)) return AuthenticateResult.NoResult();
        var key = values.ToString();
        var actor = await userStore.AuthenticateApiKeyAsync(key, Context.RequestAborted);
        if (actor is null) return AuthenticateResult.Fail("Unknown API key.");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(AtlasClaims.Identity(actor, SchemeName)), SchemeName));
    }
}
