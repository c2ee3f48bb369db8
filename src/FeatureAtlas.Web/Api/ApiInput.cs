using System.Security.Claims;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Auth;

namespace FeatureAtlas.Web.Api;

/// <summary>Checks on request fields that JSON binding leaves to us, each failing as a 400 that names the field.</summary>
public static class ApiInput
{
    /// <summary>The signed-in caller of an endpoint that requires one.</summary>
    public static Actor Caller(ClaimsPrincipal user) =>
        user.ToActor() ?? throw new InvalidOperationException("A write endpoint ran without a signed-in user; it must require authorization.");

    public static FeatureKey Feature(string? modelId, string? layer, int? index) =>
        new(Required(modelId, "modelId"), Required(layer, "layer (the SAE's name)"), Required(index, "index"));

    /// <summary>A vote's points: +1 or −1 (withdrawing is <c>unvote</c>, not a vote of 0).</summary>
    public static int Vote(int? points) => Required(points, "points") is 1 or -1
        ? points!.Value
        : throw new ArgumentException($"points must be 1 or -1; got {points}. To withdraw a vote, use unvote.");

    public static string ListId(string? listId) => Required(listId, "listId").Trim();

    public static T Required<T>(T? value, string field) where T : struct =>
        value ?? throw new ArgumentException($"{field} is required.");

    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{field} is required.") : value;
}
