namespace FeatureAtlas.Core.Community;

/// <summary>How an SAE's feature list is ordered.</summary>
public enum FeatureOrder
{
    Index,
    Density,
    MaxActivation,
    /// <summary>The best score of the feature's scored explanations (see <see cref="ExplanationScore"/>).</summary>
    ExplanationScore,
}
