namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/activation/get</c>: a feature's stored examples, named by <c>modelId</c>, <c>source</c> (or <c>layer</c>) and <c>index</c>.</summary>
public sealed record ActivationGetRequest(string? ModelId, string? Source, int? Index, string? Layer = null);
