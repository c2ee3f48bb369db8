namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// An SAE as Neuronpedia's Source row: <c>id</c> is its source id (<c>{layer}-{set}</c>), <c>setName</c> its source
/// set; <c>inferenceEnabled</c> when this server can run it live (Neuronpedia's frontend shows the test box only
/// then). <c>folderName</c>, <c>hookName</c>, <c>dIn</c>, <c>dSae</c> and <c>architecture</c> are ours.
/// </summary>
public sealed record SourceDto(
    string Id, string ModelId, string SetName, bool HasDashboards, bool InferenceEnabled, string Visibility,
    System.Text.Json.JsonElement? SaelensConfig, string FolderName, string HookName, int DIn, int DSae, string Architecture);
