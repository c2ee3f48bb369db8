using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// <c>/{model}/circuits/patching?clean=&amp;corrupted=&amp;target=&amp;distractor=&amp;method=</c>: activation patching from
/// <c>POST /api/patch</c>, drawn as heatmaps labelled with the prompt's tokens (wwwroot/js/circuits-patching.js).
/// </summary>
public sealed class PatchingPageModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public static readonly string[] Methods = ["exact", "attribution", "both"];

    public string Clean { get; private set; } = "";

    public string Corrupted { get; private set; } = "";

    public string Target { get; private set; } = "";

    public string Distractor { get; private set; } = "";

    public string Method { get; private set; } = "exact";

    protected override void ReadQuery()
    {
        Clean = Query("clean") ?? "";
        Corrupted = Query("corrupted") ?? "";
        Target = Query("target") ?? "";
        Distractor = Query("distractor") ?? "";
        Method = Query("method") is { } m && Methods.Contains(m) ? m : "exact";
        AutoRun = Clean.Length > 0 && Corrupted.Length > 0 && Target.Length > 0 && Distractor.Length > 0;
    }
}
