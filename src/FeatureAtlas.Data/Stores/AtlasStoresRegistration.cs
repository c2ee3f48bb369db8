using FeatureAtlas.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Data.Stores;

/// <summary>Registers each store of a database under its Core interface, so a host's code asks for the capability it uses.</summary>
public static class AtlasStoresRegistration
{
    public static IServiceCollection AddAtlasStores(this IServiceCollection services, AtlasStores stores)
    {
        ArgumentNullException.ThrowIfNull(stores);
        services.AddSingleton(stores.Database);
        services.AddSingleton<ICorpusStore>(stores.Corpora);
        services.AddSingleton<IModelStore>(stores.Models);
        services.AddSingleton<IDashboardStore>(stores.Dashboards);
        services.AddSingleton<IFeatureAnalysisStore>(stores.Analyses);
        services.AddSingleton<IFeaturePageStore>(stores.FeaturePages);
        services.AddSingleton<IExplanationStore>(stores.Explanations);
        services.AddSingleton<ISaeEvalStore>(stores.Evals);
        services.AddSingleton<IUmapStore>(stores.Umaps);
        services.AddSingleton<IListStore>(stores.Lists);
        services.AddSingleton<ISocialStore>(stores.Social);
        services.AddSingleton<IUserStore>(stores.Users);
        services.AddSingleton<ISteerStore>(stores.Steering);
        services.AddSingleton<IGraphStore>(stores.Graphs);
        services.AddSingleton<IJobStore>(stores.Jobs);
        return services;
    }
}
