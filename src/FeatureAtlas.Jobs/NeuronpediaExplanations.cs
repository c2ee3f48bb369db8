using System.Globalization;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Explanations as Neuronpedia's explanation rows (neuronpedia.md §1: modelId, layer = source id, index, description,
/// typeName, explanationModelName, authorId, scores[{value, explanationScoreTypeName, explanationScoreModelName,
/// jsonDetails}]), for <c>atlas explain export</c> and <c>GET /api/explanation/export</c>.
/// </summary>
public static class NeuronpediaExplanations
{
    /// <summary>Every explanation of an SAE (optionally one method), read a page at a time, as Neuronpedia rows.</summary>
    public static async Task<JsonArray> ExportAsync(IExplanationStore store, string model, string sae, string? method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new JsonArray();
        const int Page = 4096;
        for (var offset = 0; ; offset += Page)
        {
            var page = await store.ListExplanationsAsync(model, sae, method, offset, Page, cancellationToken).ConfigureAwait(false);
            foreach (var e in page) rows.Add(Row(model, sae, e));
            if (page.Count < Page) break;
        }
        return rows;
    }

    public static JsonObject Row(string model, string sae, ExplanationRecord e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var scores = new JsonArray();
        if (e.ScoresJson is not null && JsonNode.Parse(e.ScoresJson) is JsonObject details)
        {
            var headline = details["correlation"] ?? details["detection"]?["balanced_accuracy"];
            scores.Add(new JsonObject
            {
                ["value"] = headline?.DeepClone(),
                ["explanationScoreTypeName"] = details.ContainsKey("correlation") ? "atlas_simulation-correlation" : "eleuther_recall",
                ["explanationScoreModelName"] = e.ModelName ?? "atlas",
                ["jsonDetails"] = e.ScoresJson,
            });
        }
        return new JsonObject
        {
            ["modelId"] = model, ["layer"] = sae, ["index"] = e.FeatureIndex.ToString(CultureInfo.InvariantCulture),
            ["description"] = e.Text, ["typeName"] = e.Method, ["explanationModelName"] = e.ModelName ?? e.Method,
            ["authorId"] = e.AuthorId?.ToString(CultureInfo.InvariantCulture), ["createdAt"] = e.CreatedAt.ToString("O", CultureInfo.InvariantCulture), ["scores"] = scores,
        };
    }
}
