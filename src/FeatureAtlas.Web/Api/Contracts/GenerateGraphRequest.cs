namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/graph/generate</c>, in Neuronpedia's fields: the prompt (at most 64 tokens with BOS), the model, optionally the
/// source set whose transcoders to use (default: the model's transcoders, one per block), the slug (default: made
/// from the prompt) and circuit-tracer's settings.
/// </summary>
public sealed record GenerateGraphRequest(
    string? Prompt, string? ModelId, string? SourceSetName, string? Slug,
    int? MaxNLogits, double? DesiredLogitProb, double? NodeThreshold, double? EdgeThreshold, int? MaxFeatureNodes);
