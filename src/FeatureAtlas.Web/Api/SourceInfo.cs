using System.Text.Json;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// An SAE under its Neuronpedia source id (<c>{layer}-{set}</c>), its source set, whether this server can run it live,
/// and its cfg.json parsed (null when it is not JSON), once per list rather than per answer.
/// </summary>
public sealed record SourceInfo(string Id, SaeRecord Sae, SourceSetInfo Set, bool InferenceEnabled, JsonElement? Cfg);
