using System.Text.Json.Nodes;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// An explanation's scores object as Neuronpedia's ExplanationScore rows: the simulation correlation (offline
/// <c>correlation</c> or LLM <c>simulation_correlation</c>) as type <c>atlas_simulation-correlation</c>, and the detection
/// balanced accuracy as <c>eleuther_recall</c> (the same test as EleutherAI's detection scorer), names as
/// <c>atlas explain export</c> writes them; then each score added later (<c>POST /api/explanation/score</c>, kept under
/// <c>scored</c>) as its own row. A score that is null (undefined) is left out.
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
        if (scores["scored"] is JsonArray scored)
        {
            foreach (var score in scored.OfType<JsonObject>())
            {
                if (Scored(e, score) is { } row) rows.Add(row);
            }
        }
        return rows.ToArray();

        void Add(JsonNode? value, string type)
        {
            if (value is not JsonValue v || !v.TryGetValue<double>(out var number)) return;
            rows.Add(new ExplanationScoreDto(
                $"{e.Id}-{type}", e.Id, number, type, e.ModelName ?? e.Method, e.ScoresJson, e.AuthorId is { } a ? FeaturesApi.Id(a) : null, e.CreatedAt));
        }
    }

    /// <summary>A score added by <c>explanation/score</c>, as its row; its id is <c>{explanation}-{type}-{model}</c>.</summary>
    public static ExplanationScoreDto? Scored(ExplanationRecord e, JsonObject score)
    {
        if (score["value"] is not JsonValue v || !v.TryGetValue<double>(out var value) || (string?)score["type"] is not { } type || (string?)score["model"] is not { } model) return null;
        var by = score["initiated_by"] is JsonValue u && u.TryGetValue<int>(out var user) ? FeaturesApi.Id(user) : null;
        var at = score["created_at"] is JsonValue c && c.TryGetValue<DateTimeOffset>(out var created) ? created : e.CreatedAt;
        return new ExplanationScoreDto($"{e.Id}-{type}-{model}", e.Id, value, type, model, score["details"]?.ToJsonString() ?? "{}", by, at);
    }
}
