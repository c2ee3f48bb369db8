namespace FeatureAtlas.Core.Community;

/// <summary>A signed-in user asked to change something that is not theirs (HTTP 403).</summary>
public sealed class ForbiddenException(string message) : Exception(message);
