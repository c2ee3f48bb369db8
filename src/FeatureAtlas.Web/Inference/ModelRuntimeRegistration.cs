using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Inference;

/// <summary>Registers the process's one <see cref="ModelRuntime"/> over the stored models and SAEs.</summary>
public static class ModelRuntimeRegistration
{
    public static IServiceCollection AddModelRuntime(this IServiceCollection services, AtlasWebOptions options)
    {
        services.AddSingleton<IModelCatalog, StoreModelCatalog>();
        services.AddSingleton(provider =>
        {
            var runtime = new ModelRuntime(provider.GetRequiredService<IModelCatalog>(), new ModelRuntimeOptions
            {
                MaxLoadedModels = options.MaxLoadedModels,
                MaxQueuedPerModel = options.MaxQueuedPerModel,
            });
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger<ModelRuntime>();
            runtime.SaeSkipped += (_, reason) => logger.LogWarning("{Reason}", reason);
            return runtime;
        });
        return services;
    }
}
