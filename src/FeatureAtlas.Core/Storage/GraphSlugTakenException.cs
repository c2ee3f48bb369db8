namespace FeatureAtlas.Core.Storage;

/// <summary>A model already has a graph under this slug (a bad request: choose another slug).</summary>
public sealed class GraphSlugTakenException(string model, string slug)
    : ArgumentException($"Model '{model}' already has a graph with slug '{slug}'; choose another slug.")
{
    public string Model { get; } = model;

    public string Slug { get; } = slug;
}
