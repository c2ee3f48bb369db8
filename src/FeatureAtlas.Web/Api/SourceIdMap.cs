namespace FeatureAtlas.Web.Api;

/// <summary>
/// The Neuronpedia source id (<c>8-res-jb</c>) of each SAE of some models by its stored (folder) name, read once for a
/// response that names many features: Neuronpedia-shaped rows put the source id in <c>layer</c> and <c>source</c>.
/// An SAE the map does not hold keeps its folder name (still a valid alias everywhere).
/// </summary>
public sealed class SourceIdMap(IReadOnlyDictionary<(string Model, string Sae), string> ids)
{
    public static SourceIdMap Empty { get; } = new(new Dictionary<(string, string), string>());

    public string Of(string model, string sae) => ids.TryGetValue((model, sae), out var id) ? id : sae;
}
