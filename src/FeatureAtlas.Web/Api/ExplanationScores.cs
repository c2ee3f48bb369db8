using System.Text.Json.Nodes;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// An explanation's scores object as Neuronpedia's ExplanationScore rows: the simulation correlation (offline
/// <c>correlation</c> or LLM <c>simulation_correlation</c>) as type <c>atlas_simulation-correlation</c>, and the detection
/// balanced accuracy as <c>eleuther_recall</c> (the same test as EleutherAI's detection scorer), names as
/// <c>atlas explain export</c> writes them. A score that is null (undefined) is left out.
/// </summary>
public static class ExplanationScores
{
    public static ExplanationScoreDto[] Rows(ExplanationRecord e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.ScoresJson is null || JsonNode.Parse(e.ScoresJson) is not JsonObject scores) return [];
        var rows = new List<ExplanationScoreDto>(2);
        Add(scores["correlation"] ?? scores["simulation_correlation"], "atlas_simulation-correlation");
        Add(scores["detection_balanced_accuracy"] ?? scores["detection"]?["balanced_accuracy"], "eleuther_recall");
        return rows.ToArray();

        void Add(JsonNode? value, string type)
        {
            if (value is not JsonValue v || !v.TryGetValue<double>(out var number)) return;
            rows.Add(new ExplanationScoreDto(
                $"{e.Id}-{type}", e.Id, number, type, e.ModelName ?? e.Method, e.ScoresJson, e.AuthorId is { } a ? FeaturesApi.Id(a) : null, e.CreatedAt));
        }
    }
}
