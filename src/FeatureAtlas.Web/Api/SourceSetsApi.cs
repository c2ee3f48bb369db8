using System.Globalization;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Neuronpedia's source sets: <c>GET /api/source-set/{modelId}/{name}</c> (a set and its SAEs as sources; a set is
/// stored, or named by its SAEs' source ids) and <c>POST /api/source-set/new</c> (signed in: a "Custom" set, unlisted
/// as on Neuronpedia, whose creator is recorded). Neuronpedia also makes an empty source per layer at creation; here a
/// set's sources are the SAEs that join it (<c>atlas sae add --set</c>, <c>dashboards build --set</c>).
/// </summary>
public static class SourceSetsApi
{
    /// <summary>Neuronpedia's limit on a new set's description.</summary>
    public const int MaxNewDescription = 128;

    public static IEndpointRouteBuilder MapSourceSetsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/source-set/{modelId}/{name}", Get).AsRead()
            .WithSummary("A source set and its SAEs as sources (id {layer}-{set}, modelId, setName), in Neuronpedia's shape.");
        api.MapPost("/source-set/new", New).AsWrite()
            .WithSummary("Create a source set of a model (Neuronpedia's fields: name, modelId, description, url); the name must be new for the model.");
        return api;
    }

    public static async Task<Ok<SourceSetRowDto>> Get(string modelId, string name, IModelStore models, SourceIds sources, CancellationToken cancellationToken)
    {
        if (await models.GetModelAsync(modelId, cancellationToken) is null) throw new KeyNotFoundException($"Model '{modelId}' is not in the atlas.");
        var stored = await models.GetSourceSetAsync(modelId, name, cancellationToken);
        var members = (await sources.ListAsync(modelId, cancellationToken)).Where(s => s.Set.Name == name).ToArray();
        if (stored is null && members.Length == 0) await sources.InSetAsync(modelId, name, cancellationToken);   // 404 naming the model's sets
        return TypedResults.Ok(Row(modelId, name, stored, members));
    }

    public static async Task<Ok<SourceSetRowDto>> New(NewSourceSetRequest request, HttpContext context, IModelStore models, SourceIds sources, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var modelId = ApiInput.Required(request.ModelId, "modelId");
        var name = ApiInput.Required(request.Name, "name").Trim();
        try
        {
            SourceSetName.Check(name);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"name: {e.Message.Replace(" (Parameter 'name')", "", StringComparison.Ordinal)}");
        }
        if (name == "neurons" || name.Contains("--", StringComparison.Ordinal)) throw new ArgumentException($"name '{name}' is reserved or holds a double dash; Neuronpedia refuses it too.");
        var description = request.Description?.Trim() is { Length: > 0 } d ? d : name;
        if (description.Length > MaxNewDescription) throw new ArgumentException($"description is {description.Length} characters long; at most {MaxNewDescription} are allowed.");
        var url = request.Url?.Trim() is { Length: > 0 } u ? u : null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"url '{url}' is not an http or https address.");
        }
        if (await models.GetModelAsync(modelId, cancellationToken) is null) throw new KeyNotFoundException($"Model '{modelId}' is not in the atlas.");
        if ((await sources.ListAsync(modelId, cancellationToken)).Any(s => s.Set.Name == name))
        {
            throw new ArgumentException($"Model '{modelId}' already has a source set named '{name}'.");
        }
        var created = await models.CreateSourceSetAsync(new SourceSetRecord(modelId, name, description, url, actor.UserId, actor.UserName), cancellationToken);
        return TypedResults.Ok(Row(modelId, name, created, []));
    }

    private static SourceSetRowDto Row(string modelId, string name, SourceSetRecord? stored, SourceInfo[] members) => new(
        modelId, name, stored?.Description ?? members.FirstOrDefault()?.Set.Description ?? name,
        stored?.CreatorId is null ? "" : "Custom", stored?.CreatorName ?? "", stored?.CreatorId?.ToString(CultureInfo.InvariantCulture),
        HasDashboards: true, AllowInferenceSearch: members.Any(m => m.InferenceEnabled), stored?.CreatorId is null ? "PUBLIC" : "UNLISTED",
        [stored?.Url ?? ""], [.. members.Select(FeaturesApi.ToDto)]);
}
