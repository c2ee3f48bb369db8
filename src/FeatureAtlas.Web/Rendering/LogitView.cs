namespace FeatureAtlas.Web.Rendering;

/// <summary>A token the feature's decoder direction promotes (positive) or suppresses (negative), and by how much.</summary>
public sealed record LogitView(string Token, float Value);
