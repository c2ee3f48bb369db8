using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>The read behind a feature's page: everything it shows, in one snapshot and as few statements as the data allows.</summary>
public interface IFeaturePageStore
{
    /// <summary>
    /// The feature's model, SAE, dashboard run and dashboard, explanations best first and, with <paramref name="social"/>,
    /// its stars, comments and the lists <paramref name="viewerId"/> may see; null when the model, SAE or index does not exist.
    /// </summary>
    Task<StoredFeature?> ReadFeatureAsync(FeatureKey key, bool social, int? viewerId, CancellationToken cancellationToken);
}
