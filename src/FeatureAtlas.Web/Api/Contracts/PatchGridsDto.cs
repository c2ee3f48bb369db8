using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>Attribution patching's estimate of the four grids, normalised like exact patching.</summary>
public sealed record PatchGridsDto(
    [property: JsonPropertyName("resid_pre")] float[][] ResidPre,
    [property: JsonPropertyName("attn_out")] float[][] AttnOut,
    [property: JsonPropertyName("mlp_out")] float[][] MlpOut,
    [property: JsonPropertyName("heads")] float[][] Heads);
