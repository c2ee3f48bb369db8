namespace FeatureAtlas.Core.Community;

/// <summary>What people did with a feature, as one viewer sees it: stars (and whether theirs is one), comments oldest first, lists by name.</summary>
public sealed record FeatureSocial(int Stars, bool Starred, IReadOnlyList<CommentInfo> Comments, IReadOnlyList<FeatureListInfo> Lists);
