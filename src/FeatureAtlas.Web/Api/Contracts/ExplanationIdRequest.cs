namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/delete</c>: the explanation to delete.</summary>
public sealed record ExplanationIdRequest(int? ExplanationId);
