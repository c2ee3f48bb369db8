using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Graphs;

/// <summary>
/// What the site lets one graph request ask for (Neuronpedia's ranges where it has them; a CPU's where they differ:
/// max feature nodes 100 to 5,000), and which stored transcoders a generate uses.
/// </summary>
public static class GraphLimits
{
    public const int MaxPromptCharacters = 2_000;

    /// <summary>The job settings of a request: each field checked against its range, defaults where absent.</summary>
    public static GraphJobOptions Options(GenerateGraphRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var maxLogits = request.MaxNLogits ?? 10;
        if (maxLogits is < 5 or > 15) throw new ArgumentException($"maxNLogits must be 5 to 15; got {maxLogits}.");
        var desired = request.DesiredLogitProb ?? 0.95;
        if (!(desired is >= 0.6 and <= 0.99)) throw new ArgumentException($"desiredLogitProb must be 0.6 to 0.99; got {desired}.");
        var node = request.NodeThreshold ?? 0.8;
        if (!(node is >= 0.5 and <= 1.0)) throw new ArgumentException($"nodeThreshold must be 0.5 to 1; got {node}.");
        var edge = request.EdgeThreshold ?? 0.98;
        if (!(edge is >= 0.8 and <= 1.0)) throw new ArgumentException($"edgeThreshold must be 0.8 to 1; got {edge}.");
        var features = request.MaxFeatureNodes ?? GraphOptions.MaxFeatureNodesLimit;
        if (features is < 100 or > GraphOptions.MaxFeatureNodesLimit) throw new ArgumentException($"maxFeatureNodes must be 100 to {GraphOptions.MaxFeatureNodesLimit}; got {features}.");
        return new GraphJobOptions
        {
            Model = "", Transcoders = [], Prompt = "", Slug = "",
            MaxLogits = maxLogits, DesiredLogitProbability = desired, NodeThreshold = node, EdgeThreshold = edge, MaxFeatureNodes = features,
        };
    }

    /// <summary>
    /// The model's transcoders (stored SAEs whose cfg.json names an output hook), one per block, optionally those of one
    /// source set; none, a block without one, or two for one block without a source set to choose is a clear error.
    /// </summary>
    public static string[] Transcoders(string model, int layers, IReadOnlyList<SaeRecord> saes, string? sourceSet)
    {
        ArgumentNullException.ThrowIfNull(saes);
        var candidates = saes.Where(IsTranscoder).Where(s => string.IsNullOrEmpty(sourceSet) || s.SetName == sourceSet).ToArray();
        var where = string.IsNullOrEmpty(sourceSet) ? $"model '{model}'" : $"source set '{sourceSet}' of model '{model}'";
        if (candidates.Length == 0) throw new KeyNotFoundException($"There are no transcoders in {where}; graphs need one transcoder per block.");
        var chosen = new string[layers];
        foreach (var layer in candidates.GroupBy(s => s.Layer).OrderBy(g => g.Key))
        {
            if (layer.Key < 0 || layer.Key >= layers) continue;
            var names = layer.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
            if (names.Length > 1) throw new ArgumentException($"Block {layer.Key} has {names.Length} transcoders in {where} ({string.Join(", ", names)}); name a sourceSetName holding one per block.");
            chosen[layer.Key] = names[0];
        }
        var missing = Enumerable.Range(0, layers).Where(l => chosen[l] is null).ToArray();
        if (missing.Length > 0) throw new ArgumentException($"{where} has no transcoder for block(s) {string.Join(", ", missing)}; graphs need one transcoder per block.");
        return chosen;
    }

    /// <summary>A transcoder's cfg.json names the hook it writes (SAELens's hook_name_out), which an SAE's does not.</summary>
    public static bool IsTranscoder(SaeRecord sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        try
        {
            return JsonNode.Parse(sae.CfgJson) is JsonObject cfg && cfg["hook_name_out"] is not null;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
