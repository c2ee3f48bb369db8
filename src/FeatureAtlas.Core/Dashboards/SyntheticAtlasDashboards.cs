using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// SYNTHETIC dashboards and corpus windows for load tests (<c>atlas seed-synthetic</c>): shaped like the builder's
/// at its defaults (20 top examples, 5 intervals × 5, 50-bar histograms, 10 + 10 logits) over windows of GPT-2
/// token ids, but drawn from seeded random numbers, not from any model. Feature <c>i</c> of SAE <c>s</c> depends
/// only on (seed, s, i), so a feature is the same whichever order or process builds it, and a list of an SAE's
/// features is generated lazily while it is stored (24,576 features never sit in memory at once).
/// </summary>
public static class SyntheticAtlasDashboards
{
    public const int Context = 128;
    public const int BosTokenId = 50256;
    private const int Vocab = 50257;
    private const int TopExamples = 20;
    private const int Intervals = 5;
    private const int PerInterval = 5;
    private const int Bins = 50;
    private const int Logits = 10;

    /// <summary>The method of the synthetic explanations (<see cref="Explanation"/>).</summary>
    public const string ExplanationMethod = "synthetic";

    // Words of the synthetic explanations: common words that explanations of text features use, so explanation search
    // over the synthetic set finds matches.
    private static readonly string[] ExplanationWords =
    [
        "the", "whale", "ship", "sea", "war", "congress", "people", "government", "and", "of", "president", "time", "water",
        "states", "man", "year", "tokens", "after", "before", "names", "numbers", "quotes", "verbs", "plural", "endings",
    ];

    /// <summary>The options the synthetic dashboards follow (the builder's defaults).</summary>
    public static DashboardOptions Options { get; } = new();

    /// <summary>
    /// Corpus window <paramref name="index"/>: BOS then 127 tokens drawn Zipf-like over the BPE ranks (low ids are
    /// the frequent merges, so the text reads as common words and punctuation rather than uniform noise).
    /// </summary>
    public static int[] Window(int seed, int index)
    {
        var random = new Random(Mix(seed, -1, index));
        var window = new int[Context];
        window[0] = BosTokenId;
        for (var t = 1; t < Context; t++) window[t] = Token(random);
        return window;
    }

    /// <summary>
    /// Feature <paramref name="index"/>'s explanation, as a machine explainer run over every feature would leave one:
    /// "SYNTHETIC:" and three to six common words, drawn from (seed, sae, index); null for a dead feature, which an
    /// explainer has no examples to explain.
    /// </summary>
    public static string? Explanation(int seed, int sae, int index, int windows)
    {
        if (Profile(seed, sae, index, (long)windows * Context).Dead) return null;
        var random = new Random(Mix(seed, ~sae, index));
        var words = new string[3 + random.Next(4)];
        for (var w = 0; w < words.Length; w++) words[w] = ExplanationWords[random.Next(ExplanationWords.Length)];
        return "SYNTHETIC: " + string.Join(' ', words);
    }

    /// <summary>The dashboards of SAE number <paramref name="sae"/>: <paramref name="dSae"/> features over <paramref name="windows"/> windows.</summary>
    public static SaeDashboards Create(int seed, int sae, int dSae, int windows, string saeName, string hookName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dSae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        var totalTokens = (long)windows * Context;
        var logDensities = new List<double>(dSae);
        var dead = 0;
        for (var i = 0; i < dSae; i++)
        {
            var (isDead, frac) = Profile(seed, sae, i, totalTokens);
            if (isDead) dead++;
            else logDensities.Add(Math.Log10(frac));
        }
        return new SaeDashboards
        {
            SaeName = saeName,
            HookName = hookName,
            TotalTokens = totalTokens,
            Windows = windows,
            LogDensityHistogram = Histogram.Of(logDensities.ToArray(), Bins),
            DeadFeatures = dead,
            Features = new FeatureList(seed, sae, dSae, windows),
        };
    }

    /// <summary>Feature <paramref name="index"/> of SAE number <paramref name="sae"/>.</summary>
    public static FeatureDashboard Feature(int seed, int sae, int index, int windows)
    {
        var totalTokens = (long)windows * Context;
        var (dead, frac) = Profile(seed, sae, index, totalTokens);
        var random = new Random(Mix(seed, sae, index));
        var logits = LogitTableOf(random);
        if (dead)
        {
            return new FeatureDashboard
            {
                Index = index, FracNonzero = 0, NonzeroCount = 0, MaxActivation = 0, MinNonzeroActivation = 0,
                ActivationHistogram = Histogram.Empty, Top = [], Intervals = [], Logits = logits,
            };
        }
        var count = Math.Max(1, (long)Math.Round(frac * totalTokens));
        var max = (float)(1 + Math.Exp(random.NextDouble() * 3));        // 2 to 21, as residual SAEs' max_act spread
        var min = (float)(max * (0.001 + random.NextDouble() * 0.02));
        // Activations fall off roughly exponentially from the smallest: most mass in the first bars.
        var decay = 3 + random.NextDouble() * 5;
        var weights = Enumerable.Range(0, Bins).Select(b => Math.Exp(-decay * b / Bins)).ToArray();
        var total = weights.Sum();
        var heights = weights.Select(w => (long)Math.Round(count * w / total)).ToArray();

        var top = Examples(random, TopExamples, windows, max * 0.6f, max, max);
        var groups = new IntervalExamples[Intervals];
        var remaining = frac;
        for (var g = 0; g < Intervals; g++)
        {
            var interval = Intervals - 1 - g;      // highest first, as the builder stores them
            var lo = max * interval / Intervals;
            var hi = max * (interval + 1) / Intervals;
            var contains = interval == 0 ? remaining : remaining * (0.05 + random.NextDouble() * 0.2);
            remaining -= contains;
            groups[g] = new IntervalExamples(interval, lo, hi, contains, Examples(random, PerInterval, windows, lo, hi, max));
        }
        return new FeatureDashboard
        {
            Index = index,
            FracNonzero = frac,
            NonzeroCount = count,
            MaxActivation = max,
            MinNonzeroActivation = min,
            ActivationHistogram = new Histogram(Histogram.Centres(min, max, Bins), heights),
            Top = top,
            Intervals = groups,
            Logits = logits,
        };
    }

    /// <summary>Whether the feature is dead (about 2%), and its frac_nonzero: log10 normal around −3.5, as trained SAEs show.</summary>
    private static (bool Dead, double Frac) Profile(int seed, int sae, int index, long totalTokens)
    {
        var random = new Random(Mix(seed, sae, ~index));
        if (random.NextDouble() < 0.02) return (true, 0);
        var log10 = Math.Clamp(-3.5 + 0.8 * Gaussian(random), -6.0, -0.7);
        return (false, Math.Max(1.0 / totalTokens, Math.Pow(10, log10)));
    }

    /// <summary><paramref name="n"/> examples with peak values in [lo, hi], highest first; bursts of activation around the peak.</summary>
    private static ActivationExample[] Examples(Random random, int n, int windows, float lo, float hi, float max)
    {
        var examples = new ActivationExample[n];
        var positions = new SortedSet<int>();
        for (var k = 0; k < n; k++)
        {
            var position = random.Next(1, Context);
            var value = lo + (float)random.NextDouble() * (hi - lo);
            positions.Clear();
            positions.Add(position);
            var burst = random.Next(2, 14);
            for (var j = 0; j < burst; j++) positions.Add(Math.Clamp(position + random.Next(-12, 5), 1, Context - 1));
            var ordered = positions.ToArray();
            var values = new float[ordered.Length];
            for (var j = 0; j < ordered.Length; j++)
            {
                values[j] = ordered[j] == position ? value : Math.Min(value, (float)(random.NextDouble() * max * 0.5));
            }
            examples[k] = new ActivationExample(random.Next(windows), position, value, ordered, values);
        }
        Array.Sort(examples, (a, b) => b.Value.CompareTo(a.Value) is var c and not 0 ? c : (a.Window, a.Position).CompareTo((b.Window, b.Position)));
        return examples;
    }

    /// <summary>Top and bottom logits with a bell-shaped histogram over the whole vocabulary whose range they bound.</summary>
    private static LogitTable LogitTableOf(Random random)
    {
        var spread = 0.3 + random.NextDouble() * 0.7;
        var positive = new int[Logits];
        var positiveValues = new float[Logits];
        var negative = new int[Logits];
        var negativeValues = new float[Logits];
        for (var i = 0; i < Logits; i++)
        {
            positive[i] = Token(random);
            negative[i] = Token(random);
            positiveValues[i] = (float)(spread * (1 - 0.04 * i));
            negativeValues[i] = (float)(-spread * (0.9 - 0.04 * i));
        }
        var min = (double)negativeValues[0];
        var max = (double)positiveValues[0];
        var centre = (Bins - 1) * -min / (max - min);
        var weights = Enumerable.Range(0, Bins).Select(b => Math.Exp(-Math.Pow((b - centre) / (Bins / 10.0), 2))).ToArray();
        var total = weights.Sum();
        var heights = weights.Select(w => (long)Math.Round(Vocab * w / total)).ToArray();
        return new LogitTable(positive, positiveValues, negative, negativeValues, new Histogram(Histogram.Centres(min, max, Bins), heights));
    }

    private static int Token(Random random)
    {
        // One in six is a single-byte token (punctuation, space, newline); the rest Zipf-like over merged tokens.
        if (random.Next(6) == 0) return random.Next(6) switch { 0 => 13, 1 => 11, 2 => 198, 3 => 12, 4 => 25, _ => 30 };
        var rank = Math.Exp(random.NextDouble() * Math.Log(Vocab - 1 - 256));
        return Math.Min(Vocab - 2, 256 + (int)rank);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A seed for (seed, sae, index) that differs for every triple in practice (SplitMix64 finaliser).</summary>
    private static int Mix(int seed, int sae, int index)
    {
        var x = ((ulong)(uint)seed << 40) ^ ((ulong)(uint)sae << 24) ^ (uint)index;
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)(x ^ (x >> 31));
    }

    /// <summary>An SAE's features, each generated when read.</summary>
    private sealed class FeatureList(int seed, int sae, int count, int windows) : IReadOnlyList<FeatureDashboard>
    {
        public FeatureDashboard this[int index] =>
            (uint)index < (uint)count ? Feature(seed, sae, index, windows) : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => count;

        public IEnumerator<FeatureDashboard> GetEnumerator()
        {
            for (var i = 0; i < count; i++) yield return Feature(seed, sae, i, windows);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
