using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api;

/// <summary>An SAE under its Neuronpedia source id (<c>{layer}-{set}</c>), its source set, and whether this server can run it live.</summary>
public sealed record SourceInfo(string Id, SaeRecord Sae, SourceSetInfo Set, bool InferenceEnabled);
