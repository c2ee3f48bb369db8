namespace FeatureAtlas.Web;

/// <summary>
/// Marks a page that other sites may frame in embed mode (<c>?embed=true</c>): feature and list pages (and graphs,
/// when they come). Pages without it refuse framing by other sites (<see cref="SecurityHeaders"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EmbeddableAttribute : Attribute;
