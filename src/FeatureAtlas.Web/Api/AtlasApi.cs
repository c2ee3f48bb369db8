namespace FeatureAtlas.Web.Api;

/// <summary>The JSON API under <c>/api</c>: Neuronpedia's paths and field names, so its users' scripts work here.</summary>
public static class AtlasApi
{
    public static IEndpointRouteBuilder MapAtlasApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("FeatureAtlas");
        api.MapFeaturesApi();
        api.MapActivationsApi();
        api.MapInferenceApi();
        api.MapCircuitsApi();
        api.MapAttentionApi();
        api.MapExplainApi();
        api.MapListsApi();
        api.MapBookmarksApi();
        api.MapCommentsApi();
        api.MapExplanationsApi();
        api.MapMapsApi();
        api.MapSteerApi();
        api.MapGraphSteerApi();
        api.MapJobsApi();
        api.MapGraphsApi();
        api.MapSaeUploadApi();
        api.MapSourceSetsApi();
        api.MapFeatureUploadApi();
        return app;
    }
}
