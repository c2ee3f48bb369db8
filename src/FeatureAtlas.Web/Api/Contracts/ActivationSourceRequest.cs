using System.Text.Json;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/activation/source</c>: every active feature of one SAE (<c>source</c>) on a text, or on up to 4 texts.</summary>
public sealed record ActivationSourceRequest(string? ModelId, string? Source, JsonElement CustomText);
