using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Search;
using Spectre.Console;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>search</c>: search-all latency (forward + every SAE encoded + ranking) for one text over N
/// random SAEs on blocks.{0..L−1}.hook_resid_pre, p50 and p90 against the 0.3 s goal, with the forward pass alone
/// (to the same depth) and the SAE encodes alone timed in the same run, interleaved with the searches so all
/// see the same load; rest = search − forward − encodes is the ranking and hand-off.
/// </summary>
internal static class SearchBench
{
    private const double GoalSeconds = 0.3;

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "A GPT-2 folder; default: a random GPT-2-small (atlas init-model defaults) in a temp folder." };
        var saes = new Option<int>("--saes") { DefaultValueFactory = _ => 12, Description = "Random standard SAEs, spread over the layers' hook_resid_pre." };
        var dSae = new Option<int>("--d-sae") { DefaultValueFactory = _ => 24_576, Description = "Features per SAE." };
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 64, Description = "Tokens in the text (BOS first)." };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 20, Description = "Timed searches (and as many forward passes)." };
        var json = CliOptions.Json();
        var command = new Command("search", "Search-all latency (p50/p90) vs the 0.3 s goal, with the forward pass alone as reference.") { model, saes, dSae, tokens, repeats, json };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(saes), s = parse.GetValue(dSae), t = parse.GetValue(tokens), r = parse.GetValue(repeats);
            if (n <= 0 || s <= 0 || t <= 0 || r <= 0) throw new UsageException("--saes, --d-sae, --tokens and --repeats must be positive.");
            var modelDir = parse.GetValue(model);
            string? temporary = null;
            if (modelDir is null)
            {
                temporary = modelDir = Path.Combine(Path.GetTempPath(), $"atlas-bench-search-{Environment.ProcessId}");
                Gpt2Initializer.Write(modelDir, new Gpt2Config { Layers = 12, DModel = 768, Heads = 12, Vocab = 50257, Positions = 1024, DMlp = 3072 }, seed: 0);
            }
            try
            {
                var report = Run(modelDir, n, s, t, r);
                if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
                else Print(report);
            }
            finally
            {
                if (temporary is not null) Directory.Delete(temporary, recursive: true);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject Run(string modelDir, int saeCount, int dSae, int tokenCount, int repeats)
    {
        var network = Gpt2Model.Load(modelDir);
        var c = network.Config;
        if (tokenCount > c.Positions) throw new UsageException($"--tokens {tokenCount} exceeds the model's n_positions {c.Positions}.");
        var layers = Enumerable.Range(0, saeCount).Select(i => (int)((long)i * c.Layers / saeCount)).ToArray();
        var saes = layers.Select((layer, i) => SaeInitializer.Create(c, network.Name, HookNames.ResidPre(layer), dSae, SaeArchitecture.Standard, seed: (ulong)i, name: $"{layer}-res-random-{i}")).ToArray();
        var search = new FeatureSearch(InferenceSession.Create(network, saes));

        var random = new Random(0);
        var tokens = new int[tokenCount];
        tokens[0] = FeatureSearch.BosToken < c.Vocab ? FeatureSearch.BosToken : 0;   // small test vocabularies have no BOS
        for (var i = 1; i < tokens.Length; i++) tokens[i] = random.Next(c.Vocab);
        var options = new FeatureSearchOptions { NumResults = 50 };

        // The forward pass alone, to the same depth the search stops at (the deepest SAE's read point).
        var deepest = saes.Select(sae => FeatureSearch.ReadPoint(sae.HookName)).MaxBy(h => HookNames.TryParse(h, c.Layers, out var l, out _) ? l : -1)!;
        var forwardOptions = new RunOptions { Hooks = new Dictionary<string, ActivationHook> { [deepest] = (_, _, _) => { } }, ComputeLogits = false };

        // The SAE encodes alone, on inputs cached once: what the search adds to the forward pass before ranking.
        var cached = network.Run(tokens, 1, new RunOptions { Cache = saes.Select(sae => sae.HookName).ToArray(), ComputeLogits = false });
        var features = new float[tokenCount * dSae];
        void EncodeAll()
        {
            foreach (var sae in saes) sae.Encode(cached.Cache[sae.HookName].Data, tokenCount, features);
        }

        IReadOnlyList<FeatureMatch> results = [];
        for (var warm = 0; warm < 2; warm++)
        {
            results = search.Search(tokens, options);
            network.Run(tokens, 1, forwardOptions, default);
            EncodeAll();
        }
        var encodeTimes = new double[repeats];
        var searchTimes = new double[repeats];
        var forwardTimes = new double[repeats];
        long allocated = 0;
        for (var i = 0; i < repeats; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            results = search.Search(tokens, options);
            searchTimes[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            start = Stopwatch.GetTimestamp();
            network.Run(tokens, 1, forwardOptions, default);
            forwardTimes[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            start = Stopwatch.GetTimestamp();
            EncodeAll();
            encodeTimes[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        var p50 = Percentile(searchTimes, 0.5);
        var forward50 = Percentile(forwardTimes, 0.5);
        return new JsonObject
        {
            ["model"] = network.Name,
            ["saes"] = saeCount,
            ["d_sae"] = dSae,
            ["tokens"] = tokenCount,
            ["repeats"] = repeats,
            ["threads"] = Sgemm.Parallelism,
            ["gemm_path"] = Sgemm.ActivePath.ToString(),
            ["search_p50_s"] = p50,
            ["search_p90_s"] = Percentile(searchTimes, 0.9),
            ["forward_p50_s"] = forward50,
            ["forward_p90_s"] = Percentile(forwardTimes, 0.9),
            ["encodes_p50_s"] = Percentile(encodeTimes, 0.5),
            ["rest_p50_s"] = p50 - forward50 - Percentile(encodeTimes, 0.5),
            ["goal_s"] = GoalSeconds,
            ["p50_vs_goal"] = p50 / GoalSeconds,
            ["search_vs_forward"] = p50 / forward50,
            ["results"] = results.Count,
            ["allocated_bytes_per_search"] = allocated,
            ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : null,
        };
    }

    /// <summary>The nearest-rank percentile.</summary>
    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static void Print(JsonObject report)
    {
        var table = new Table().AddColumns("figure", "value");
        foreach (var (key, value) in report)
        {
            var text = value is JsonValue v && v.TryGetValue<double>(out var d) && d % 1 != 0 ? d.ToString("G4") : value?.ToJsonString() ?? "null";
            table.AddRow(Markup.Escape(key), Markup.Escape(text));
        }
        AnsiConsole.Write(table);
    }
}
