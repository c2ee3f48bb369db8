using System.Collections;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Data.Tests.TestSupport;

/// <summary>
/// Features whose enumeration stops after <c>after</c> items: it throws, or (with a token source) cancels the
/// source and goes on, so the store sees the cancellation mid-write.
/// </summary>
internal sealed class FailingFeatures(IReadOnlyList<FeatureDashboard> features, int after, CancellationTokenSource? cancel = null)
    : IReadOnlyList<FeatureDashboard>
{
    public int Count => features.Count;

    public FeatureDashboard this[int index] => features[index];

    public IEnumerator<FeatureDashboard> GetEnumerator()
    {
        for (var i = 0; i < features.Count; i++)
        {
            if (i == after)
            {
                if (cancel is null) throw new InvalidOperationException("Injected failure while enumerating features.");
                cancel.Cancel();
            }
            yield return features[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
