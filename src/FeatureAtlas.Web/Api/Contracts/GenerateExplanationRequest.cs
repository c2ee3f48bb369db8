namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>POST /api/explanation/generate: explain one feature now (Neuronpedia's fields; <c>explanationType</c> "offline" is the default).</summary>
public sealed record GenerateExplanationRequest(string? ModelId, string? Layer, int Index, string? ExplanationType = null);
