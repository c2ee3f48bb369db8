namespace FeatureAtlas.Web.Rendering;

/// <summary>A feature's examples as the page shows them: each row collapsed around its peak, or <see cref="Full"/>.</summary>
public sealed record FeatureExamples(FeatureView View, bool Full);
