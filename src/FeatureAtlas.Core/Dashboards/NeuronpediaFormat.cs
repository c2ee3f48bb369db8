using System.Text.Encodings.Web;
using System.Text.Json;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// SAEDashboard's Neuronpedia batch files (<c>batch-N.json</c>, sae-formats.md §5.3), so dashboards move between
/// FeatureAtlas and Neuronpedia's tooling. Each activation lists the window's tokens without position 0 (BOS),
/// with <c>qualifying_token_index</c> = position − 1, as the Neuronpedia runner writes them; the top group
/// comes first (bin_min −1, bin_max the max activation, bin_contains −1), then intervals from the highest down.
/// Floats are rounded to 5 decimals. Exports also carry each activation's <c>token_ids</c> and <c>token_offset</c>,
/// and <c>pos_ids</c>/<c>neg_ids</c> (extensions other readers ignore), so an import restores tokens exactly:
/// display strings are not unique (several partial-UTF-8 tokens all show as U+FFFD).
/// </summary>
public static partial class NeuronpediaFormat
{
    public const int FeaturesPerBatch = 128;

    /// <summary>Writes the dashboards as batch files into <paramref name="directory"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Export(SaeDashboards dashboards, NeuronpediaExportInfo info, IReadOnlyDictionary<int, int[]> windows,
        Gpt2Tokenizer tokenizer, string directory)
    {
        ArgumentNullException.ThrowIfNull(dashboards);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        var batches = dashboards.Features.Chunk(FeaturesPerBatch).ToArray();
        for (var b = 0; b < batches.Length; b++)
        {
            var path = Path.Combine(directory, $"batch-{b}.json");
            var temp = path + ".tmp";
            using (var stream = File.Create(temp))
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("model_id", info.ModelId);
                writer.WriteString("layer", info.Layer);
                writer.WriteString("sae_set", info.SaeSet);
                writer.WriteString("sae_id_suffix", info.SaeIdSuffix);
                writer.WriteString("hook_name", info.HookName);
                writer.WriteStartArray("features");
                foreach (var feature in batches[b]) WriteFeature(writer, feature, info, windows, tokenizer);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            File.Move(temp, path, overwrite: true);
            paths.Add(path);
        }
        return paths;
    }

    private static void WriteFeature(Utf8JsonWriter writer, FeatureDashboard feature, NeuronpediaExportInfo info, IReadOnlyDictionary<int, int[]> windows, Gpt2Tokenizer tokenizer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("feature_index", feature.Index);
        // SAEDashboard's converter writes the cosines into the *_l1 fields of the correlation tables.
        var tables = feature.Tables ?? FeatureTables.Empty;
        WriteNumbers(writer, "neuron_alignment_indices", tables.NeuronAlignmentIndices.Select(i => (double)i));
        WriteNumbers(writer, "neuron_alignment_values", tables.NeuronAlignmentValues.Select(v => (double)v));
        WriteNumbers(writer, "neuron_alignment_l1", tables.NeuronAlignmentL1.Select(v => (double)v));
        WriteNumbers(writer, "correlated_neurons_indices", tables.CorrelatedNeuronsIndices.Select(i => (double)i));
        WriteNumbers(writer, "correlated_neurons_l1", tables.CorrelatedNeuronsCosine.Select(v => (double)v));
        WriteNumbers(writer, "correlated_neurons_pearson", tables.CorrelatedNeuronsPearson.Select(v => (double)v));
        WriteNumbers(writer, "correlated_features_indices", tables.CorrelatedFeaturesIndices.Select(i => (double)i));
        WriteNumbers(writer, "correlated_features_l1", tables.CorrelatedFeaturesCosine.Select(v => (double)v));
        WriteNumbers(writer, "correlated_features_pearson", tables.CorrelatedFeaturesPearson.Select(v => (double)v));
        foreach (var empty in new[] { "decoder_weights_dist", "vector" })
        {
            writer.WriteStartArray(empty);
            writer.WriteEndArray();
        }
        var logits = feature.Logits;
        WriteStrings(writer, "neg_str", logits is null ? [] : tokenizer.GetTokenStrings(logits.NegativeTokens));
        WriteNumbers(writer, "neg_values", logits?.NegativeValues.Select(v => (double)v) ?? []);
        WriteStrings(writer, "pos_str", logits is null ? [] : tokenizer.GetTokenStrings(logits.PositiveTokens));
        WriteNumbers(writer, "pos_values", logits?.PositiveValues.Select(v => (double)v) ?? []);
        WriteNumbers(writer, "pos_ids", logits?.PositiveTokens.Select(v => (double)v) ?? []);
        WriteNumbers(writer, "neg_ids", logits?.NegativeTokens.Select(v => (double)v) ?? []);
        writer.WriteNumber("frac_nonzero", Round(feature.FracNonzero));
        WriteNumbers(writer, "freq_hist_data_bar_values", feature.ActivationHistogram.BarValues);
        WriteNumbers(writer, "freq_hist_data_bar_heights", feature.ActivationHistogram.BarHeights.Select(h => (double)h));
        WriteNumbers(writer, "logits_hist_data_bar_heights", logits?.Histogram.BarHeights.Select(h => (double)h) ?? []);
        WriteNumbers(writer, "logits_hist_data_bar_values", logits?.Histogram.BarValues ?? []);
        writer.WriteNumber("n_prompts_total", info.PromptsTotal);
        writer.WriteNumber("n_tokens_in_prompt", info.TokensInPrompt);
        writer.WriteString("dataset", info.Dataset);

        writer.WriteStartArray("activations");
        foreach (var example in feature.Top) WriteActivation(writer, example, -1, feature.MaxActivation, -1, windows, tokenizer);
        foreach (var group in feature.Intervals)
        {
            foreach (var example in group.Examples) WriteActivation(writer, example, group.Low, group.High, group.ContainsFraction, windows, tokenizer);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteActivation(Utf8JsonWriter writer, ActivationExample example, double binMin, double binMax, double binContains,
        IReadOnlyDictionary<int, int[]> windows, Gpt2Tokenizer tokenizer)
    {
        if (!windows.TryGetValue(example.Window, out var window)) throw new KeyNotFoundException($"Corpus window {example.Window} is missing from the export's window set.");
        // Position 0 is dropped when it is BOS, as the Neuronpedia runner does; token_offset records it.
        var offset = window.Length > 0 && window[0] == Gpt2Tokenizer.BosTokenId ? 1 : 0;
        var ids = window.AsSpan(offset);
        var dense = example.Dense(window.Length);
        writer.WriteStartObject();
        writer.WriteNumber("bin_min", Round(binMin));
        writer.WriteNumber("bin_max", Round(binMax));
        writer.WriteNumber("bin_contains", Round(binContains));
        WriteStrings(writer, "tokens", tokenizer.GetTokenStrings(ids));
        WriteNumbers(writer, "values", dense.Skip(offset).Select(v => (double)v));
        writer.WriteNumber("qualifying_token_index", example.Position - offset);
        writer.WriteNumber("token_offset", offset);
        writer.WriteStartArray("token_ids");
        foreach (var id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static double Round(double value) => Math.Round(value, 5, MidpointRounding.ToEven);

    private static void WriteNumbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values) writer.WriteNumberValue(Round(v));
        writer.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values) writer.WriteStringValue(v);
        writer.WriteEndArray();
    }
}
