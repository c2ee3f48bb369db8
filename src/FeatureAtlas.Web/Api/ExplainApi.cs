using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web.Api.Contracts;
using System.Security.Claims;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>POST /api/explanation/generate</c>: a signed-in user asks for a feature to be explained now by the offline
/// explainer (token statistics, scored on held-out examples). It reads the corpus and runs the model on a few
/// windows (the site's loaded model, through its queue), so it counts against the inference rate limit. LLM explanations run from the command line
/// (<c>atlas explain --method llm</c>), where the operator's key and budget apply.
/// </summary>
public static class ExplainApi
{
    public static IEndpointRouteBuilder MapExplainApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/explanation/generate", Generate)
            .RequireAuthorization(Auth.AtlasAuthExtensions.SignedIn)
            .RequireRateLimiting(AtlasRateLimits.Inference)
            .WithSummary("Explain one feature now with the offline explainer, store the explanation with its scores and return it.");
        api.MapPost("/explanation/score", Score)
            .RequireAuthorization(Auth.AtlasAuthExtensions.SignedIn)
            .RequireRateLimiting(AtlasRateLimits.Inference)
            .WithSummary("Scores a stored explanation on its feature's held-out examples ({explanationId, scorerModel, scorerType}: recall_alt, eleuther_recall, eleuther_fuzz), offline unless the server has a scorer model; stores the score and answers {score}.");
        api.MapGet("/explanation/export", Export)
            .WithSummary("All explanations of an SAE (optionally one method) as Neuronpedia's explanation-export rows.");
        return api;
    }

    public static async Task<IResult> Export(string modelId, string layer, string? method, IModelStore modelStore, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        layer = await sources.ResolveAsync(modelId, layer, cancellationToken) ?? layer;   // a source id or the folder name
        _ = await modelStore.GetSaeAsync(modelId, layer, cancellationToken) ?? throw new KeyNotFoundException($"There is no SAE {modelId}/{layer}.");
        var rows = await NeuronpediaExplanations.ExportAsync(explanationStore, modelId, layer, method, cancellationToken);
        return Results.Text(rows.ToJsonString(), "application/json");
    }

    /// <summary>
    /// Neuronpedia's <c>explanation/score</c>: refuses a second score of the same type and scorer model before doing the
    /// work, scores offline when the server has no scorer model or <c>scorerModel</c> is <c>offline</c>, and names the
    /// model that really scored in <c>explanationScoreModelName</c>.
    /// </summary>
    public static async Task<Ok<ExplanationScoreResponse>> Score(ScoreExplanationRequest request, ClaimsPrincipal user, ScorerModel scorerModel, ICorpusStore corpusStore,
        IModelStore modelStore, IDashboardStore dashboardStore, IExplanationStore explanationStore, ModelRuntime models, CancellationToken cancellationToken)
    {
        var caller = ApiInput.Caller(user);
        var id = ApiInput.Required(request.ExplanationId, "explanationId");
        var type = ApiInput.Required(request.ScorerType, "scorerType");
        var llm = string.Equals(request.ScorerModel, ExplanationScoreJob.Offline, StringComparison.OrdinalIgnoreCase) ? null : scorerModel.Client;
        var explanation = await explanationStore.GetExplanationAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"Explanation {id} does not exist.");
        var model = llm?.Model ?? ExplanationScoreJob.Offline;
        if (ExplanationScores.Rows(explanation).Any(r => r.ExplanationScoreTypeName == type && r.ExplanationScoreModelName == model))
        {
            throw new ArgumentException($"Explanation {id} already has a {type} score by {model}.");
        }
        var score = await ExplanationScoreJob.RunAsync(explanation, type, llm, corpusStore, modelStore, dashboardStore, models, cancellationToken) with { InitiatedBy = caller.UserId };
        await explanationStore.AddExplanationScoreAsync(id, score, cancellationToken);
        var stored = await explanationStore.GetExplanationAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"Explanation {id} was deleted while it was scored.");
        return TypedResults.Ok(new ExplanationScoreResponse(ExplanationScores.Rows(stored).Last(r => r.ExplanationScoreTypeName == type && r.ExplanationScoreModelName == model)));
    }

    public static async Task<Ok<ExplanationDto>> Generate(GenerateExplanationRequest request, SourceIds sources, ICorpusStore corpusStore, IModelStore modelStore, IDashboardStore dashboardStore, IExplanationStore explanationStore, ModelRuntime models, CancellationToken cancellationToken)
    {
        if (request.ExplanationType is { } type && !string.Equals(type, "offline", StringComparison.OrdinalIgnoreCase) && type != TokenStatsExplainer.Method)
        {
            throw new ArgumentException($"explanationType '{type}' cannot run from the web; 'offline' can. LLM explanations run with `atlas explain --method llm`.");
        }
        var key = await sources.KeyAsync(ApiInput.Feature(request.ModelId, request.Layer, request.Index), cancellationToken);
        var checkpoints = Path.Combine(Path.GetTempPath(), "featureatlas-explain", Guid.NewGuid().ToString("N"));
        try
        {
            var options = new ExplainJobOptions { Model = key.Model, Sae = key.Sae, First = key.Index, Count = 1, CheckpointDirectory = checkpoints };
            var sae = await modelStore.GetSaeAsync(key.Model, key.Sae, cancellationToken) ?? throw new KeyNotFoundException($"There is no SAE {key.Model}/{key.Sae}.");
            if (key.Index < 0 || key.Index >= sae.DSae) throw new KeyNotFoundException($"Feature {key.Index} is not in SAE '{key.Sae}', which has {sae.DSae} features.");
            var result = await ExplainJob.RunAsync(options, corpusStore, modelStore, dashboardStore, explanationStore, null, null, cancellationToken, models);
            if (result.Features == 0) throw new ArgumentException($"Feature {key} never activates on the corpus, so there is nothing to explain.");
        }
        finally
        {
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
        }
        var explanation = (await explanationStore.ListFeatureExplanationsAsync(key, cancellationToken)).First(e => e.Method == TokenStatsExplainer.Method);
        return TypedResults.Ok(FeaturesApi.ToDto(explanation, await sources.IdOfAsync(key.Model, key.Sae, cancellationToken)));
    }
}
