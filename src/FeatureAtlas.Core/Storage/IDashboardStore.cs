using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// SAEs' feature dashboards: written as one set per SAE, read one feature, a range, or a light page of a feature list.
/// An unknown model or SAE raises <see cref="KeyNotFoundException"/> naming it.
/// </summary>
public interface IDashboardStore
{
    /// <summary>
    /// Replaces the SAE's dashboards with <paramref name="dashboards"/> (computed over <paramref name="corpus"/>)
    /// in one transaction: readers see the old set or the new one, never a mix, and a crash leaves the old.
    /// </summary>
    Task SaveDashboardsAsync(string model, string sae, string corpus, DashboardOptions options, SaeDashboards dashboards, CancellationToken cancellationToken);

    /// <summary>
    /// Adds features computed elsewhere (<see cref="FeatureUpload"/>, Neuronpedia's <c>feature/upload-batch</c>) to the
    /// SAE in one transaction: their example windows are appended to the SAE's upload corpus
    /// (<see cref="UploadCorpus"/>, made by the first upload, with the SAE's dashboard run), a feature stored before gets
    /// the upload merged in (<see cref="FeatureUpload.Merge"/>), and the SAE's width grows to cover the largest index.
    /// An SAE whose dashboards were built from a corpus here takes no uploads (an <see cref="ArgumentException"/>).
    /// </summary>
    Task AddUploadedFeaturesAsync(string model, string sae, IReadOnlyList<UploadedFeature> features, CancellationToken cancellationToken);

    /// <summary>The corpus that holds the windows of an SAE's uploaded features.</summary>
    static string UploadCorpus(string model, string sae) => $"upload:{model}/{sae}";

    /// <summary>The SAE's dashboard run, or null when it has none.</summary>
    Task<SaeDashboardSummary?> GetDashboardSummaryAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>One feature's dashboard (examples as stored: sparse activations, window indexes into the corpus); null when the SAE has none for it.</summary>
    Task<FeatureDashboard?> GetFeatureAsync(string model, string sae, int index, CancellationToken cancellationToken);

    /// <summary>Features [offset, offset + count) of an SAE, by index.</summary>
    Task<IReadOnlyList<FeatureDashboard>> GetFeaturesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken);

    /// <summary>One page of an SAE's features by index, light enough for a list of 25 to 100 rows.</summary>
    Task<IReadOnlyList<FeatureSummary>> ListFeatureSummariesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken);

    /// <summary>
    /// One page of an SAE's features in the order a reader picked: by density, max activation or explanation score
    /// (the best <see cref="ExplanationScore.Primary"/> of the feature's explanations; unscored features come last
    /// either way), ties by index. <see cref="FeatureOrder.Index"/> ascending is the plain paged list.
    /// </summary>
    Task<IReadOnlyList<FeatureSummary>> ListFeatureSummariesAsync(string model, string sae, FeatureOrder order, bool descending, int offset, int count, CancellationToken cancellationToken);

    /// <summary>The number of features with a stored dashboard.</summary>
    Task<int> CountFeaturesAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>
    /// Every feature's max_act by index (0 where the SAE has no dashboard for it), for search ranked relative to each
    /// feature's maximum; null when the SAE has no dashboards at all.
    /// </summary>
    Task<float[]?> GetMaxActivationsAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>
    /// Every feature's frac_nonzero by index (−1 where the SAE has no dashboard for it), for density filters in
    /// search; null when the SAE has no dashboards at all.
    /// </summary>
    Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken);
}
