namespace FeatureAtlas.Core.Similarity;

/// <summary>A feature of <paramref name="Sae"/> and its decoder cosine to the query feature.</summary>
public readonly record struct SimilarFeature(string Sae, int Index, float Cosine);
