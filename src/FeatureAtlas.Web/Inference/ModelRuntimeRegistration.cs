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
                // Pages first: model work (and the kernel threads it shares with in-process jobs) runs at a lower CPU
                // priority, so a burst of inference slows inference, not everyone's page reads (atlas-bench web
                // --inference-connections measures both).
                BackgroundPriority = true,
            });
            CpuPriority.LowerKernelThreads();
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger<ModelRuntime>();
            runtime.SaeSkipped += (_, reason) => logger.LogWarning("{Reason}", reason);
            return runtime;
        });
        return services;
    }
}
