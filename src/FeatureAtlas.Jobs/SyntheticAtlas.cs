using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Fills a store with SYNTHETIC data for load tests (<c>atlas seed-synthetic</c>): model <see cref="Model"/>, a corpus
/// <see cref="Corpus"/> of seeded random token windows, and as many SAEs of <c>dSae</c> features as it takes to hold
/// <c>features</c> dashboards (the last one narrower), named <c>synthetic-res-L3</c>, <c>synthetic-mlp-L7</c>, … Every
/// name says "synthetic" so these rows are never mistaken for a model's real features. Each SAE is stored in its own
/// transaction (the bulk path), then its explanations (<see cref="SyntheticAtlasDashboards.Explanation"/>, one per live
/// feature, as an explainer run over the SAE leaves them), so a stopped run resumes: SAEs that already have dashboards
/// and explanations are skipped.
/// </summary>
public static class SyntheticAtlas
{
    public const string Model = "synthetic-gpt2";
    public const string Corpus = "synthetic-tokens";
    private static readonly string[] Families = ["res", "mlp", "att"];

    /// <summary>The SAEs <paramref name="features"/> features make at <paramref name="dSae"/> each: (name, hook, layer, width).</summary>
    public static IReadOnlyList<(string Name, string Hook, int Layer, int DSae)> Saes(int features, int dSae)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dSae);
        var count = (features + dSae - 1) / dSae;
        if (count > 12 * Families.Length) throw new ArgumentException($"{features:N0} features at d_sae {dSae:N0} make {count} SAEs; at most {12 * Families.Length} fit GPT-2's hooks. Raise --d-sae.");
        var saes = new List<(string, string, int, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var family = Families[i / 12];
            var layer = i % 12;
            var hook = family switch { "res" => HookNames.ResidPre(layer), "mlp" => HookNames.MlpOut(layer), _ => HookNames.Z(layer) };
            saes.Add(($"synthetic-{family}-L{layer}", hook, layer, Math.Min(dSae, features - i * dSae)));
        }
        return saes;
    }

    /// <summary>
    /// Seeds the store; returns the SAEs written and those skipped because they already had dashboards. Progress
    /// reports stage "features" (done of all features).
    /// </summary>
    public static async Task<(int Written, int Skipped)> SeedAsync(IModelStore models, IDashboardStore store, ICorpusStore corpora, IExplanationStore explanations,
        int features, int dSae, int windows, int seed, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(corpora);
        ArgumentNullException.ThrowIfNull(explanations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        var saes = Saes(features, dSae);
        await models.UpsertModelAsync(new ModelRecord(Model, null, "{\"synthetic\":true,\"n_layer\":12,\"d_model\":768,\"n_vocab\":50257}", 12, 768, 50257,
            "GPT-2 small (SYNTHETIC dashboards for load tests)"), cancellationToken).ConfigureAwait(false);

        var corpus = await corpora.GetCorpusAsync(Corpus, cancellationToken).ConfigureAwait(false);
        if (corpus is null)
        {
            progress?.Report(new JobProgress("corpus", 0, windows));
            var rows = Enumerable.Range(0, windows).Select(w => SyntheticAtlasDashboards.Window(seed, w));
            corpus = await corpora.AddCorpusAsync(Corpus, "synthetic: seeded random GPT-2 token ids", SyntheticAtlasDashboards.Context, rows, replace: false, cancellationToken).ConfigureAwait(false);
        }
        else if (corpus.Windows != windows)
        {
            throw new InvalidOperationException($"Corpus '{Corpus}' already holds {corpus.Windows:N0} windows, not {windows:N0}; seed a new database or pass --windows {corpus.Windows}.");
        }

        int written = 0, skipped = 0;
        long done = 0;
        for (var s = 0; s < saes.Count; s++)
        {
            var (name, hook, layer, width) = saes[s];
            var stored = await models.GetSaeAsync(Model, name, cancellationToken).ConfigureAwait(false);
            if (stored is not null && await store.GetDashboardSummaryAsync(Model, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                if (stored.DSae != width)
                {
                    throw new InvalidOperationException($"SAE '{name}' already holds {stored.DSae:N0} features, not {width:N0}; seed a new database or pass the --features and --d-sae it was seeded with.");
                }
                if (await ExplainAsync(explanations, name, s, width, windows, seed, cancellationToken).ConfigureAwait(false)) written++;
                else skipped++;
                done += width;
                progress?.Report(new JobProgress("features", done, features));
                continue;
            }
            await models.UpsertSaeAsync(new SaeRecord(Model, name, null, hook, layer, 768, width, "synthetic", $"{{\"synthetic\":true,\"d_sae\":{width}}}"), cancellationToken).ConfigureAwait(false);
            var dashboards = SyntheticAtlasDashboards.Create(seed, s, width, windows, name, hook);
            var start = done;
            var reported = dashboards with { Features = new Reporting(dashboards.Features, i => progress?.Report(new JobProgress("features", start + i, features))) };
            await store.SaveDashboardsAsync(Model, name, Corpus, SyntheticAtlasDashboards.Options, reported, cancellationToken).ConfigureAwait(false);
            await ExplainAsync(explanations, name, s, width, windows, seed, cancellationToken).ConfigureAwait(false);
            written++;
            done += width;
            progress?.Report(new JobProgress("features", done, features));
        }
        return (written, skipped);
    }

    /// <summary>Stores SAE number <paramref name="sae"/>'s synthetic explanations unless it has them; true when it stored them.</summary>
    private static async Task<bool> ExplainAsync(IExplanationStore explanations, string name, int sae, int width, int windows, int seed, CancellationToken cancellationToken)
    {
        if ((await explanations.ListExplanationsAsync(Model, name, SyntheticAtlasDashboards.ExplanationMethod, 0, 1, cancellationToken).ConfigureAwait(false)).Count > 0) return false;
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, width)
            .Select(i => SyntheticAtlasDashboards.Explanation(seed, sae, i, windows) is { } text ? new ExplanationRecord(i, text, SyntheticAtlasDashboards.ExplanationMethod, null, null, at) : null)
            .OfType<ExplanationRecord>()
            .ToArray();
        await explanations.SaveExplanationsAsync(Model, name, records, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Reports every 1,024th feature as the store enumerates them.</summary>
    private sealed class Reporting(IReadOnlyList<FeatureDashboard> inner, Action<int> report) : IReadOnlyList<FeatureDashboard>
    {
        public FeatureDashboard this[int index] => inner[index];

        public int Count => inner.Count;

        public IEnumerator<FeatureDashboard> GetEnumerator()
        {
            var i = 0;
            foreach (var f in inner)
            {
                if ((++i & 1023) == 0) report(i);
                yield return f;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
