namespace FeatureAtlas.Web.Rendering;

/// <summary>Examples sampled from activations in (Low, High], and the share of corpus tokens that fall there.</summary>
public sealed record IntervalView(float Low, float High, double ContainsFraction, IReadOnlyList<ExampleView> Examples);
