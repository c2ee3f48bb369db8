using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary><c>/{model}/circuits</c>: the circuit tools of a model, each with an example to start from.</summary>
public sealed class CircuitsIndexModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public const string ExamplePrompt = "When Mary and John went to the store, John gave a drink to";
    public const string ExampleCorrupted = "When Mary and John went to the store, Mary gave a drink to";

    protected override void ReadQuery()
    {
    }

    public string Example(string tool)
    {
        var m = Uri.EscapeDataString(Record.Name);
        var p = Uri.EscapeDataString(ExamplePrompt);
        return tool switch
        {
            "lens" => $"/{m}/circuits/lens?prompt={p}",
            "attribution" => $"/{m}/circuits/attribution?prompt={p}&target=%20Mary&distractor=%20John",
            "patching" => $"/{m}/circuits/patching?clean={p}&corrupted={Uri.EscapeDataString(ExampleCorrupted)}&target=%20Mary&distractor=%20John",
            _ => Saes.Count == 0 ? $"/{m}/circuits/ablation?prompt={p}"
                : $"/{m}/circuits/ablation?prompt={p}&target=%20Mary&distractor=%20John&f={Uri.EscapeDataString(Saes[0].Name + ":0")}",
        };
    }
}
