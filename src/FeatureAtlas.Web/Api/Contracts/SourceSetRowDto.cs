namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A source set as Neuronpedia's <c>source-set/{modelId}/{name}</c> and <c>source-set/new</c> answer it (the client reads
/// <c>name, modelId, description, urls, sources[{id, modelId, setName}]</c>): its SAEs on this site as sources.
/// </summary>
public sealed record SourceSetRowDto(
    string ModelId, string Name, string Description, string Type, string CreatorName, string? CreatorId, bool HasDashboards, bool AllowInferenceSearch,
    string Visibility, string[] Urls, SourceDto[] Sources);

/// <summary><c>POST /api/source-set/new</c>, in Neuronpedia's fields.</summary>
public sealed record NewSourceSetRequest(string? Name, string? ModelId, string? Description, string? Url);
