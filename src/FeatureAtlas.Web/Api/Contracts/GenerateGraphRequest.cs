namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/graph/generate</c>, in Neuronpedia's fields: the prompt (at most 64 tokens with BOS), the model, optionally the
/// source set whose transcoders to use (default: the model's transcoders, one per block), the slug (default: made
/// from the prompt) and circuit-tracer's settings. Like Neuronpedia, the answer waits for the graph;
/// <see cref="Async"/> (ours) answers 202 at once with the job to follow instead.
/// </summary>
public sealed record GenerateGraphRequest(
    string? Prompt, string? ModelId, string? SourceSetName, string? Slug,
    int? MaxNLogits, double? DesiredLogitProb, double? NodeThreshold, double? EdgeThreshold, int? MaxFeatureNodes, bool? Async = null);

/// <summary>
/// Neuronpedia's answer to a finished <c>graph/generate</c>: <c>message</c>, <c>s3url</c> (here the JSON's address),
/// <c>url</c> (the explorer) and the node and link counts; with the job and slug beside them.
/// </summary>
public sealed record GraphGeneratedDto(string Message, string S3url, string Url, int NumNodes, int NumLinks, long JobId, string Slug);
