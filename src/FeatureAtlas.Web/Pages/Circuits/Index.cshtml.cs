using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// <c>/{model}/circuits</c>: the circuit tools of a model, each with an example to start from: the model's own
/// (<see cref="CircuitExample.FileName"/> beside its weights) or GPT-2's indirect object prompt.
/// </summary>
public sealed class CircuitsIndexModel(IModelCatalog catalog, ILogger<CircuitsIndexModel> logger) : CircuitsPageModel(catalog)
{
    public CircuitExample Worked { get; private set; } = CircuitExample.Default;

    protected override void ReadQuery()
    {
        try
        {
            Worked = CircuitExample.Read(Record.Path) ?? CircuitExample.Default;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("{Problem} The circuit tools show the default example.", e.Message);
        }
    }

    public string Example(string tool)
    {
        var m = Uri.EscapeDataString(Record.Name);
        var p = Uri.EscapeDataString(Worked.Prompt);
        var answer = $"target={Uri.EscapeDataString(Worked.Target)}&distractor={Uri.EscapeDataString(Worked.Distractor)}";
        return tool switch
        {
            "lens" => $"/{m}/circuits/lens?prompt={p}",
            "attribution" => $"/{m}/circuits/attribution?prompt={p}&{answer}",
            "patching" => $"/{m}/circuits/patching?clean={p}&corrupted={Uri.EscapeDataString(Worked.Corrupted)}&{answer}",
            "graph" => $"/{m}/graph/{Uri.EscapeDataString(Worked.Graph ?? "")}",
            _ => Saes.Count == 0 ? $"/{m}/circuits/ablation?prompt={p}"
                : $"/{m}/circuits/ablation?prompt={p}&{answer}&f={Uri.EscapeDataString(Saes[0].Name + ":0")}",
        };
    }
}
