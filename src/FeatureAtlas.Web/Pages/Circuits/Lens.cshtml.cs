using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary><c>/{model}/circuits/lens?prompt=&amp;top=</c>: the logit lens as a layer × position grid, streamed from <c>POST /api/lens</c> by wwwroot/js/circuits-lens.js.</summary>
public sealed class LensPageModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public string Prompt { get; private set; } = "";

    public int Top { get; private set; } = 5;

    protected override void ReadQuery()
    {
        Prompt = Query("prompt") ?? "";
        Top = Math.Clamp(ParseWhole(Query("top")) ?? 5, 1, LogitLens.MaxTop);
        AutoRun = Prompt.Length > 0;
    }
}
