namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A list: <c>id</c> is the slug in its <c>url</c>; <c>features</c> are included by <c>get</c> and the writes that
/// change them, and left out (null) by <c>list</c>.
/// </summary>
public sealed record ListDto(
    string Id, string Url, string Name, string? Description, string? DefaultTestText, bool IsPublic, string UserName,
    int FeatureCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, ListFeatureDto[]? Features);
