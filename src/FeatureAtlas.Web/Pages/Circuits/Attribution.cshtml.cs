using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// <c>/{model}/circuits/attribution?prompt=&amp;target=&amp;distractor=&amp;position=&amp;sae=…&amp;exact_top=</c>: why this token
/// and not that one, from <c>POST /api/attribute</c>, as a sortable table and a per-layer bar chart (wwwroot/js/circuits-attribution.js).
/// </summary>
public sealed class AttributionPageModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public string Prompt { get; private set; } = "";

    public string Target { get; private set; } = "";

    public string Distractor { get; private set; } = "";

    public int? Position { get; private set; }

    public int ExactTop { get; private set; } = 20;

    /// <summary>The SAEs chosen (none: every SAE of the model).</summary>
    public IReadOnlyList<string> Chosen { get; private set; } = [];

    protected override void ReadQuery()
    {
        Prompt = Query("prompt") ?? "";
        Target = Query("target") ?? "";
        Distractor = Query("distractor") ?? "";
        Position = ParseWhole(Query("position"));
        ExactTop = Math.Clamp(ParseWhole(Query("exact_top")) ?? 20, 0, Inference.CircuitLimits.MaxExactTop);
        Chosen = Request.Query["sae"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();
        AutoRun = Prompt.Length > 0 && Target.Length > 0;
    }
}
