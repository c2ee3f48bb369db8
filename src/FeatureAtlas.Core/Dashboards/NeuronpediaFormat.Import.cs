using System.Text.Json;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Dashboards;

public static partial class NeuronpediaFormat
{
    /// <summary>
    /// Reads batch files written by <see cref="Export"/> or by SAEDashboard's Neuronpedia runner. Token ids come
    /// from the <c>token_ids</c> extension when present, else from the token strings through the vocabulary
    /// (the lowest id with that display string: exact except for tokens that are partial UTF-8 sequences).
    /// A malformed file is an <see cref="InvalidDataException"/> naming the file and feature.
    /// </summary>
    public static NeuronpediaImport Import(IReadOnlyList<string> files, Gpt2Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (files.Count == 0) throw new ArgumentException("No batch files to import.");
        var vocabulary = tokenizer.IdsByDisplayString();

        NeuronpediaExportInfo? info = null;
        var windows = new List<int[]>();
        var windowIndexes = new Dictionary<int[], int>(TokenWindowComparer.Instance);
        var features = new List<FeatureDashboard>();
        foreach (var file in files)
        {
            using var document = Parse(file);
            var root = document.RootElement;
            var header = new NeuronpediaExportInfo(Text(root, "model_id", file), Text(root, "layer", file), OptionalText(root, "sae_set"), OptionalText(root, "sae_id_suffix"), "", 0, 0, OptionalText(root, "hook_name"));
            foreach (var feature in Array(root, "features", file).EnumerateArray())
            {
                var index = Int(feature, "feature_index", file);
                var where = $"{file}, feature {index}";
                info ??= header with
                {
                    Dataset = OptionalText(feature, "dataset"),
                    PromptsTotal = feature.TryGetProperty("n_prompts_total", out var p) && p.TryGetInt32(out var pt) ? pt : 0,
                    TokensInPrompt = feature.TryGetProperty("n_tokens_in_prompt", out var t) && t.TryGetInt32(out var tt) ? tt : 0,
                };
                features.Add(ReadFeature(feature, index, where, windows, windowIndexes, vocabulary));
            }
        }

        var ordered = features.OrderBy(f => f.Index).ToList();
        var totalTokens = (long)info!.PromptsTotal * info.TokensInPrompt;
        var live = ordered.Where(f => f.FracNonzero > 0).Select(f => Math.Log10(f.FracNonzero)).ToArray();
        var dashboards = new SaeDashboards
        {
            SaeName = info.Layer,
            HookName = info.HookName,
            TotalTokens = totalTokens,
            Windows = info.PromptsTotal,
            LogDensityHistogram = Histogram.Of(live, 50),
            DeadFeatures = ordered.Count - live.Length,
            Features = ordered,
        };
        return new NeuronpediaImport(info, windows, dashboards);
    }

    private static FeatureDashboard ReadFeature(JsonElement feature, int index, string where, List<int[]> windows, Dictionary<int[], int> windowIndexes, Dictionary<string, int> vocabulary)
    {
        var top = new List<ActivationExample>();
        var groups = new SortedDictionary<double, (double Low, double High, double Contains, List<ActivationExample> Examples)>(Comparer<double>.Create((a, b) => b.CompareTo(a)));
        var max = 0.0;
        foreach (var activation in Array(feature, "activations", where).EnumerateArray())
        {
            var binMin = Number(activation, "bin_min", where);
            var example = ReadExample(activation, where, windows, windowIndexes, vocabulary);
            if (binMin < 0)
            {
                top.Add(example);
                max = Math.Max(max, Number(activation, "bin_max", where));
            }
            else
            {
                if (!groups.TryGetValue(binMin, out var group))
                {
                    group = (binMin, Number(activation, "bin_max", where), Number(activation, "bin_contains", where), []);
                    groups[binMin] = group;
                }
                group.Examples.Add(example);
            }
        }
        var intervalCount = groups.Count;
        var intervals = groups.Values.Select((g, i) => new IntervalExamples(intervalCount - 1 - i, (float)g.Low, (float)g.High, g.Contains, g.Examples)).ToList();

        var posIds = feature.TryGetProperty("pos_ids", out _)
            ? Numbers(feature, "pos_ids", where).Select(v => (int)v).ToArray()
            : Strings(feature, "pos_str", where).Select(s => TokenId(s, vocabulary, where)).ToArray();
        var negIds = feature.TryGetProperty("neg_ids", out _)
            ? Numbers(feature, "neg_ids", where).Select(v => (int)v).ToArray()
            : Strings(feature, "neg_str", where).Select(s => TokenId(s, vocabulary, where)).ToArray();
        var logitHeights = Numbers(feature, "logits_hist_data_bar_heights", where);
        var frac = Number(feature, "frac_nonzero", where);
        var heights = Numbers(feature, "freq_hist_data_bar_heights", where).Select(h => (long)Math.Round(h)).ToArray();
        var values = Numbers(feature, "freq_hist_data_bar_values", where);
        return new FeatureDashboard
        {
            Index = index,
            FracNonzero = frac,
            NonzeroCount = heights.Sum(),
            MaxActivation = (float)max,
            MinNonzeroActivation = values.Length > 1 ? (float)(values[0] - (values[1] - values[0]) / 2) : (float)max,
            ActivationHistogram = new Histogram(values, heights),
            Top = top,
            Intervals = intervals,
            Logits = posIds.Length + negIds.Length == 0 ? null : new LogitTable(
                posIds, Numbers(feature, "pos_values", where).Select(v => (float)v).ToArray(),
                negIds, Numbers(feature, "neg_values", where).Select(v => (float)v).ToArray(),
                new Histogram(Numbers(feature, "logits_hist_data_bar_values", where), logitHeights.Select(h => (long)Math.Round(h)).ToArray())),
            Tables = ReadTables(feature, where),
        };
    }

    /// <summary>The three feature tables; a missing or null field (SAEDashboard writes None without encoder B) is empty; all empty is "not computed".</summary>
    private static FeatureTables? ReadTables(JsonElement feature, string where)
    {
        double[] Optional(string name) =>
            feature.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Numbers(feature, name, where) : [];
        (int[], float[], float[]) Table(string indices, string first, string second)
        {
            var i = Optional(indices);
            var a = Optional(first);
            var b = Optional(second);
            if (a.Length != i.Length || b.Length != i.Length)
            {
                throw new InvalidDataException($"{where}: \"{indices}\" has {i.Length} entries, \"{first}\" {a.Length} and \"{second}\" {b.Length}; they must match.");
            }
            return (i.Select(v => (int)v).ToArray(), a.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray());
        }
        var alignment = Table("neuron_alignment_indices", "neuron_alignment_values", "neuron_alignment_l1");
        var neurons = Table("correlated_neurons_indices", "correlated_neurons_pearson", "correlated_neurons_l1");
        var features = Table("correlated_features_indices", "correlated_features_pearson", "correlated_features_l1");
        if (alignment.Item1.Length + neurons.Item1.Length + features.Item1.Length == 0) return null;
        return new FeatureTables
        {
            NeuronAlignmentIndices = alignment.Item1, NeuronAlignmentValues = alignment.Item2, NeuronAlignmentL1 = alignment.Item3,
            CorrelatedNeuronsIndices = neurons.Item1, CorrelatedNeuronsPearson = neurons.Item2, CorrelatedNeuronsCosine = neurons.Item3,
            CorrelatedFeaturesIndices = features.Item1, CorrelatedFeaturesPearson = features.Item2, CorrelatedFeaturesCosine = features.Item3,
        };
    }

    private static ActivationExample ReadExample(JsonElement activation, string where, List<int[]> windows, Dictionary<int[], int> windowIndexes, Dictionary<string, int> vocabulary)
    {
        var offset = activation.TryGetProperty("token_offset", out var o) && o.TryGetInt32(out var off) ? off : 1;
        int[] ids = activation.TryGetProperty("token_ids", out var tokenIds) && tokenIds.ValueKind == JsonValueKind.Array
            ? tokenIds.EnumerateArray().Select(t => t.GetInt32()).ToArray()
            : Strings(activation, "tokens", where).Select(s => TokenId(s, vocabulary, where)).ToArray();
        var values = Numbers(activation, "values", where);
        if (values.Length != ids.Length) throw new InvalidDataException($"{where}: an activation has {ids.Length} tokens but {values.Length} values.");
        var window = offset == 1 ? [Gpt2Tokenizer.BosTokenId, .. ids] : ids;
        // Examples of one feature (and of many features) share windows: store each distinct window once.
        if (!windowIndexes.TryGetValue(window, out var windowIndex))
        {
            windowIndex = windows.Count;
            windows.Add(window);
            windowIndexes[window] = windowIndex;
        }
        var positions = new List<int>();
        var nonzero = new List<float>();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] == 0) continue;
            positions.Add(i + offset);
            nonzero.Add((float)values[i]);
        }
        var position = Int(activation, "qualifying_token_index", where) + offset;
        if (position < 0 || position >= window.Length) throw new InvalidDataException($"{where}: qualifying_token_index {position - offset} is outside its {ids.Length} tokens.");
        return new ActivationExample(windowIndex, position, (float)values[position - offset], positions.ToArray(), nonzero.ToArray());
    }

    private static int TokenId(string token, Dictionary<string, int> vocabulary, string where) =>
        vocabulary.TryGetValue(token, out var id) ? id : throw new InvalidDataException($"{where}: token \"{token}\" is not in the GPT-2 vocabulary.");

    private static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON ({e.Message}).", e);
        }
    }

    private static JsonElement Array(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value : throw new InvalidDataException($"{where}: missing array \"{name}\".");

    private static string Text(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new InvalidDataException($"{where}: missing string \"{name}\".");

    private static string OptionalText(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static int Int(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var result) ? result : throw new InvalidDataException($"{where}: missing integer \"{name}\".");

    private static double Number(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.TryGetDouble(out var result) ? result : throw new InvalidDataException($"{where}: missing number \"{name}\".");

    private static double[] Numbers(JsonElement element, string name, string where) =>
        Array(element, name, where).EnumerateArray().Select(v => v.TryGetDouble(out var d) ? d : throw new InvalidDataException($"{where}: \"{name}\" holds a non-number.")).ToArray();

    private static string[] Strings(JsonElement element, string name, string where) =>
        Array(element, name, where).EnumerateArray().Select(v => v.GetString() ?? throw new InvalidDataException($"{where}: \"{name}\" holds a non-string.")).ToArray();
}
