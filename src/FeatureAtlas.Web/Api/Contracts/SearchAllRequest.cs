namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// POST /api/search-all, Neuronpedia's fields: <c>selectedLayers</c> names SAEs (empty: all), <c>sortIndexes</c>
/// ranks by the sum at those positions (empty: by the maximum), <c>densityThreshold</c> −1 is off.
/// <c>text</c> is a string, or an array of up to 4 (a batch, answered as <c>{results: [...]}</c>); <c>sourceSet</c>
/// limits the search to that set's SAEs. <c>layers</c> (block indexes) is ours: a second filter, by layer. <c>ranking</c> is ours
/// too: <c>activation</c> (the default, Neuronpedia's raw values) or <c>relative</c> (each value over the feature's max_act in
/// its dashboards, so SAEs of different scales compete fairly).
/// </summary>
public sealed record SearchAllRequest(
    string? ModelId, System.Text.Json.JsonElement Text, string[]? SelectedLayers = null, int[]? SortIndexes = null, bool IgnoreBos = true,
    float DensityThreshold = -1f, int NumResults = 50, int[]? Layers = null, string? SourceSet = null, string? Ranking = null);
