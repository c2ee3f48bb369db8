namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A source set as Neuronpedia's SourceSet row: SAEs of one model trained alike, named and described.</summary>
public sealed record SourceSetDto(
    string ModelId, string Name, string Description, string Type, string CreatorName, bool HasDashboards, bool AllowInferenceSearch,
    string Visibility, string[] Urls, bool ShowDfa, bool ShowUmap, int DefaultRange);
