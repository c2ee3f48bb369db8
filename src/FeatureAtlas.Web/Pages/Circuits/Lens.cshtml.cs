using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// <c>/{model}/circuits/lens?prompt=&amp;top=&amp;lens=logit|tuned</c>: the logit lens, or the tuned lens stored beside the
/// model, as a layer × position grid, streamed from <c>POST /api/lens</c> by wwwroot/js/circuits-lens.js.
/// </summary>
public sealed class LensPageModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public string Prompt { get; private set; } = "";

    public int Top { get; private set; } = 5;

    /// <summary>"logit" or "tuned".</summary>
    public string Lens { get; private set; } = "logit";

    /// <summary>Whether the model folder holds a tuned lens (<c>atlas train-lens</c>); without one the choice is disabled.</summary>
    public bool HasTunedLens { get; private set; }

    protected override void ReadQuery()
    {
        Prompt = Query("prompt") ?? "";
        Top = Math.Clamp(ParseWhole(Query("top")) ?? 5, 1, LogitLens.MaxTop);
        HasTunedLens = TunedLens.ExistsFor(Record.Path);
        Lens = Query("lens") == "tuned" && HasTunedLens ? "tuned" : "logit";
        AutoRun = Prompt.Length > 0;
    }
}
