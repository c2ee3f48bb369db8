using System.CommandLine;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Data;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas compare --model M --sae A --sae B</c>: matches two SAEs' features by decoder cosine (best match each
/// way), with the distribution of best-match cosines, counts, and the features unique to each (best match below
/// --threshold). Reads the weights from the SAEs' stored folders.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var saes = new Option<string[]>("--sae") { Description = "An SAE's name in the store; give exactly two.", Required = true };
        var threshold = new Option<float>("--threshold") { DefaultValueFactory = _ => 0.7f, Description = "Best-match cosine below which a feature counts as unique." };
        var bins = new Option<int>("--bins") { DefaultValueFactory = _ => 20, Description = "Histogram bins on [-1, 1]." };
        var top = new Option<int>("--top") { DefaultValueFactory = _ => 20, Description = "Unique features and matched pairs to list." };
        var json = CliOptions.Json();
        var db = StoreOptions.Db();
        var command = new Command("compare", "Match two SAEs' features by decoder cosine: best-match histogram, counts, unique features.") { model, saes, threshold, bins, top, json, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var names = parse.GetValue(saes)!;
            if (names.Length != 2) throw new UsageException($"Give --sae exactly twice (A and B); found {names.Length}.");
            if (parse.GetValue(bins) <= 0 || parse.GetValue(top) < 0) throw new UsageException("--bins must be positive and --top not negative.");
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var loaded = new SparseAutoencoder[2];
            for (var i = 0; i < 2; i++)
            {
                var record = await store.Models.GetSaeAsync(parse.GetValue(model)!, names[i], cancellationToken)
                    ?? throw new KeyNotFoundException($"SAE '{names[i]}' of model '{parse.GetValue(model)}' is not in the store.");
                if (record.Path is null || !Directory.Exists(record.Path)) throw new DirectoryNotFoundException($"SAE '{names[i]}' has no weights folder on this machine ('{record.Path}').");
                loaded[i] = SparseAutoencoder.Load(record.Path);
            }
            if (loaded[0].DIn != loaded[1].DIn) throw new ArgumentException($"The SAEs read different widths (d_in {loaded[0].DIn} and {loaded[1].DIn}), so their decoders cannot be compared.");
            var comparison = SaeComparison.Create(SimilarFeatures.UnitDecoder(loaded[0]), loaded[0].DSae, SimilarFeatures.UnitDecoder(loaded[1]), loaded[1].DSae, loaded[0].DIn,
                parse.GetValue(threshold), parse.GetValue(bins), cancellationToken: cancellationToken);
            var report = Report(comparison, names[0], names[1], parse.GetValue(top));
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else Print(comparison, names[0], names[1], parse.GetValue(top));
            return ExitCodes.Success;
        });
        return command;
    }

    internal static JsonObject Report(SaeComparison c, string a, string b, int top)
    {
        static JsonArray Numbers<T>(IEnumerable<T> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());
        var edges = Enumerable.Range(0, c.Bins + 1).Select(i => -1.0 + 2.0 * i / c.Bins);
        return new JsonObject
        {
            ["a"] = a, ["b"] = b, ["features_a"] = c.FeaturesA, ["features_b"] = c.FeaturesB, ["threshold"] = c.Threshold,
            ["mutual_matches"] = c.MutualMatches,
            ["matched_a"] = c.FeaturesA - c.UniqueToA.Count, ["matched_b"] = c.FeaturesB - c.UniqueToB.Count,
            ["unique_a_count"] = c.UniqueToA.Count, ["unique_b_count"] = c.UniqueToB.Count,
            ["mean_best_cosine_a_to_b"] = c.BestInBCosine.Average(), ["mean_best_cosine_b_to_a"] = c.BestInACosine.Average(),
            ["histogram_edges"] = Numbers(edges),
            ["histogram_a_to_b"] = Numbers(c.HistogramAToB), ["histogram_b_to_a"] = Numbers(c.HistogramBToA),
            ["unique_a"] = Numbers(c.UniqueToA.Take(top)), ["unique_b"] = Numbers(c.UniqueToB.Take(top)),
            ["best_in_b"] = Numbers(c.BestInB), ["best_in_b_cosine"] = Numbers(c.BestInBCosine),
        };
    }

    private static void Print(SaeComparison c, string a, string b, int top)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(a)}[/] ({c.FeaturesA:N0} features) vs [bold]{Markup.Escape(b)}[/] ({c.FeaturesB:N0} features), threshold {c.Threshold:F2}");
        AnsiConsole.MarkupLine($"Mutual best matches: {c.MutualMatches:N0}. Unique to A: {c.UniqueToA.Count:N0}; unique to B: {c.UniqueToB.Count:N0}.");
        AnsiConsole.MarkupLine($"Mean best cosine A→B {c.BestInBCosine.Average():F3}, B→A {c.BestInACosine.Average():F3}.");
        var chart = new Table().AddColumns("best cosine", "A→B", "B→A");
        for (var i = 0; i < c.Bins; i++)
        {
            if (c.HistogramAToB[i] == 0 && c.HistogramBToA[i] == 0) continue;
            chart.AddRow($"{-1 + 2.0 * i / c.Bins:F2} .. {-1 + 2.0 * (i + 1) / c.Bins:F2}", $"{c.HistogramAToB[i]:N0}", $"{c.HistogramBToA[i]:N0}");
        }
        AnsiConsole.Write(chart);
        if (top > 0 && c.UniqueToA.Count > 0) AnsiConsole.MarkupLine($"Unique to A (lowest best match first): {string.Join(", ", c.UniqueToA.Take(top))}");
        if (top > 0 && c.UniqueToB.Count > 0) AnsiConsole.MarkupLine($"Unique to B (lowest best match first): {string.Join(", ", c.UniqueToB.Take(top))}");
    }
}
