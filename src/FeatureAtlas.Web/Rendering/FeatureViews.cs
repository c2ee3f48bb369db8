using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Rendering;

/// <summary>Builds <see cref="FeatureView"/>s from the store: the dashboard, its examples' tokens, logits and explanations.</summary>
public sealed class FeatureViews(IFeaturePageStore featurePages, CorpusTokens corpus)
{
    /// <summary>The feature's view; null when the model, SAE or index does not exist.</summary>
    public Task<FeatureView?> GetAsync(FeatureKey key, CancellationToken cancellationToken) => GetAsync(key, social: false, viewerId: null, cancellationToken);

    /// <summary>The same, with stars, comments and lists as <paramref name="viewerId"/> sees them when <paramref name="social"/> (one store read for all).</summary>
    public async Task<FeatureView?> GetAsync(FeatureKey key, bool social, int? viewerId, CancellationToken cancellationToken)
    {
        var stored = await featurePages.ReadFeatureAsync(key, social, viewerId, cancellationToken);
        if (stored is null) return null;
        var (model, sae, run, dashboard, explanations, people) = stored;
        if (dashboard is null || run is null)
        {
            return new FeatureView(key, sae, model, run, null, [], [], [], [], explanations, people);
        }

        var windows = dashboard.Top.Select(e => e.Window).Concat(dashboard.Intervals.SelectMany(i => i.Examples).Select(e => e.Window)).ToArray();
        var tokens = await corpus.WindowsAsync(run.Corpus, windows, cancellationToken);
        var top = dashboard.Top.Select(e => Example(e, tokens)).OfType<ExampleView>().ToArray();
        var intervals = dashboard.Intervals
            .Select(i => new IntervalView(i.Low, i.High, i.ContainsFraction, i.Examples.Select(e => Example(e, tokens)).OfType<ExampleView>().ToArray()))
            .ToArray();
        var logits = dashboard.Logits;
        var positive = logits is null ? [] : Logits(logits.PositiveTokens, logits.PositiveValues);
        var negative = logits is null ? [] : Logits(logits.NegativeTokens, logits.NegativeValues);
        return new FeatureView(key, sae, model, run, dashboard, top, intervals, positive, negative, explanations, people);
    }

    private ExampleView? Example(ActivationExample example, IReadOnlyDictionary<int, int[]> windows)
    {
        if (!windows.TryGetValue(example.Window, out var ids)) return null;
        return ExampleView.Of(ids, corpus.Vocabulary, example);
    }

    private LogitView[] Logits(int[] ids, float[] values)
    {
        var strings = corpus.Strings(ids);
        return strings.Select((s, i) => new LogitView(s, values[i])).ToArray();
    }
}
