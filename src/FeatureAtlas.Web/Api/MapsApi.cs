using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Feature maps and neighbours: an SAE's stored UMAP and joint maps of several SAEs as compact arrays, a feature's
/// nearest features by decoder cosine, and a feature's best explanation alone (for map hovers).
/// <para>
/// Similar features are computed on demand from the SAEs <see cref="ModelRuntime"/> already holds rather than
/// read from a precomputed table: one query is a product with each S × I decoder (about 20 M multiply-adds per
/// SAE, milliseconds), always agrees with the weights being served, and needs no job or storage (a table of
/// the top 10 across 12 SAEs would be 3 M rows per model, to be rebuilt whenever an SAE changes).
/// </para>
/// </summary>
public static class MapsApi
{
    private const int MaxSimilar = 50;

    public static IEndpointRouteBuilder MapMapsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/umap/{model}", ListUmaps)
            .WithName("ListUmaps")
            .WithSummary("The model's maps: its SAEs that have a UMAP of their own, and its joint maps (name, SAEs, feature count).");
        api.MapGet("/umap/{model}/joint/{name}", GetJointUmap)
            .WithName("GetJointUmap")
            .WithSummary("A joint map (one UMAP of several SAEs' features, positions comparable across them) as parallel arrays: sae (position in saes), index, x, y, frac_nonzero.");
        api.MapGet("/umap/{model}/{sae}", GetUmap)
            .WithName("GetUmap")
            .WithSummary("An SAE's feature map (UMAP of decoder directions) as parallel arrays: index, x, y, frac_nonzero.");
        api.MapGet("/feature/{model}/{sae}/{index:int}/similar", GetSimilar)
            .WithName("GetSimilarFeatures")
            .WithSummary("The features nearest to this one by decoder cosine, in its own SAE and each other SAE of the model (k ≤ 50, default 10).");
        api.MapGet("/feature/{model}/{sae}/{index:int}/explanation", GetExplanation)
            .WithName("GetFeatureExplanation")
            .WithSummary("A feature's best explanation (most votes, then newest), or null.");
        return api;
    }

    public static async Task<Results<Ok<UmapDto>, ProblemHttpResult>> GetUmap(string model, string sae, IUmapStore umapStore, IDashboardStore dashboardStore, CancellationToken cancellationToken)
    {
        var points = await umapStore.GetUmapAsync(model, sae, cancellationToken);
        if (points is null)
        {
            // TypedResults.Problem, not NotFound(ProblemDetails): the latter is sent as application/json, unlike every other error.
            return TypedResults.Problem(
                title: "No map yet",
                detail: $"SAE '{sae}' of model '{model}' has no UMAP; make one with `atlas umap --model {model} --sae {sae}`.",
                statusCode: StatusCodes.Status404NotFound);
        }
        var density = await dashboardStore.GetFracNonzeroAsync(model, sae, cancellationToken);
        var fracNonzero = density is null ? null : points.Indices.Select(i => i < density.Length ? density[i] : -1f).ToArray();
        return TypedResults.Ok(new UmapDto(model, sae, points.Indices, points.X, points.Y, fracNonzero));
    }

    public static async Task<Ok<UmapListDto>> ListUmaps(string model, IUmapStore umapStore, CancellationToken cancellationToken)
    {
        var joint = await umapStore.ListJointUmapsAsync(model, cancellationToken);
        var saes = await umapStore.ListSaesWithUmapAsync(model, cancellationToken);
        return TypedResults.Ok(new UmapListDto(model, saes.ToArray(), joint.Select(j => new JointUmapInfoDto(j.Name, j.Saes.ToArray(), j.Points, j.CreatedAt)).ToArray()));
    }

    public static async Task<Results<Ok<JointUmapDto>, ProblemHttpResult>> GetJointUmap(string model, string name, IUmapStore umapStore, IModelStore modelStore, IDashboardStore dashboardStore, CancellationToken cancellationToken)
    {
        var map = await umapStore.GetJointUmapAsync(model, name, cancellationToken);
        if (map is null)
        {
            if (await modelStore.GetModelAsync(model, cancellationToken) is null) throw new KeyNotFoundException($"Model '{model}' is not in the store.");
            return TypedResults.Problem(
                title: "No such joint map",
                detail: $"Model '{model}' has no joint map named '{name}'; make one with `atlas umap --model {model} --sae A --sae B --name {name}`.",
                statusCode: StatusCodes.Status404NotFound);
        }
        float[]? fracNonzero = null;
        for (var s = 0; s < map.Saes.Count; s++)
        {
            if (await dashboardStore.GetFracNonzeroAsync(model, map.Saes[s], cancellationToken) is not { } density) continue;
            fracNonzero ??= Enumerable.Repeat(-1f, map.Indices.Length).ToArray();
            for (var p = 0; p < map.Indices.Length; p++)
            {
                if (map.Sae[p] == s && map.Indices[p] < density.Length) fracNonzero[p] = density[map.Indices[p]];
            }
        }
        return TypedResults.Ok(new JointUmapDto(model, map.Name, map.Saes.ToArray(), map.Sae, map.Indices, map.X, map.Y, fracNonzero));
    }

    public static async Task<Ok<SimilarFeaturesDto>> GetSimilar(string model, string sae, int index, int? k, ModelRuntime models, IExplanationStore explanationStore, HttpContext context, CancellationToken cancellationToken)
    {
        var count = k ?? 10;
        if (count is < 1 or > MaxSimilar) throw new ArgumentException($"k must be between 1 and {MaxSimilar}, found {count}.");
        var runtime = await models.GetAsync(model, cancellationToken);
        var transcoder = runtime.TranscoderRecords.FirstOrDefault(t => t.Name == sae);
        var dSae = transcoder?.DSae ?? runtime.Session.Saes.First(s => s.Name == runtime.SessionName(sae)).DSae;
        if (index < 0 || index >= dSae) throw new KeyNotFoundException($"Feature {index} is not in SAE '{sae}', which has {dSae} features.");

        // The feature's own SAE first, then the others in the model's order; a transcoder's page also reads the other
        // transcoders (their decoders write into the residual stream too), loaded on first use.
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        var found = await models.RunAsync(model, InferenceClient.Of(context), (m, _) =>
        {
            var candidates = m.Session.Saes.Select(s => (Sae: s, Stored: m.StoredName(s.Name))).ToList();
            if (transcoder is not null) candidates.AddRange(m.TranscoderRecords.Select(t => (m.Transcoder(t.Name).Encoder, t.Name)));
            foreach (var (candidate, name) in candidates) stored.TryAdd(candidate.Name, name);
            var source = candidates.First(c => c.Stored == sae).Sae;
            var order = candidates.Select(c => c.Sae).OrderBy(s => ReferenceEquals(s, source) ? 0 : 1).ToList();
            return SimilarFeatures.Find(source, index, order, count);
        }, cancellationToken);
        var keys = found.SelectMany(f => f.Features).Select(f => new FeatureKey(model, stored[f.Sae], f.Index)).ToList();
        var explanations = await explanationStore.BestExplanationsAsync(keys, cancellationToken);
        var saes = found.Select(f => new SimilarSaeDto(stored[f.Sae], f.Features.Select(x =>
        {
            var key = new FeatureKey(model, stored[x.Sae], x.Index);
            return new SimilarFeatureDto(model, key.Sae, x.Index, x.Cosine, explanations.GetValueOrDefault(key));
        }).ToArray())).ToArray();
        return TypedResults.Ok(new SimilarFeaturesDto(model, sae, index, saes));
    }

    public static async Task<Ok<FeatureExplanationDto>> GetExplanation(string model, string sae, int index, IExplanationStore explanationStore, CancellationToken cancellationToken)
    {
        var key = new FeatureKey(model, sae, index);
        var best = await explanationStore.BestExplanationsAsync([key], cancellationToken);
        return TypedResults.Ok(new FeatureExplanationDto(model, sae, index, best.GetValueOrDefault(key)));
    }
}
