namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One of the caller's bookmarks (stars), as Neuronpedia's Bookmark row: the feature (<c>index</c> a string) and the user.</summary>
public sealed record UserBookmarkDto(string ModelId, string Layer, string Index, string UserId);
