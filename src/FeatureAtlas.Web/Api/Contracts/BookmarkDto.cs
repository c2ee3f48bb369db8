namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature's bookmark (star) state for the caller after <c>/api/bookmark/add</c> or <c>/delete</c>, and its star count.</summary>
public sealed record BookmarkDto(string ModelId, string Layer, int Index, bool Bookmarked, int Bookmarks);
