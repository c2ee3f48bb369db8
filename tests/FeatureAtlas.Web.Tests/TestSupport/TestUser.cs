using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// A user signed up through the real form: <see cref="Client"/> carries their sign-in cookie (and anti-forgery
/// cookie), <see cref="KeyClient"/> sends their API key instead and no cookie.
/// </summary>
public sealed record TestUser(string Name, string Password, Actor Actor, HttpClient Client, string ApiKey, HttpClient KeyClient);
