using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web;
using Spectre.Console;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>web</c>: the feature page under load. Starts the site in this process on a free loopback port
/// (request logging off), checks a sample of pages answer 200, warms up, then runs Debian's <c>wrk</c> at
/// <c>--connections</c> for <c>--duration</c> seconds against random feature pages of every SAE of
/// <c>--model</c> that has dashboards (a Lua script picks a uniformly random stored feature per request). Reports
/// p50/p99 latency, requests/s and errors beside the goals of issue 5: p99 &lt; 50 ms, ≥ 1,000 requests/s, 0 errors.
/// wrk and the site share this machine's cores, so the figures are for the two together.
/// </summary>
internal static class WebBench
{
    public const double P99GoalMs = 50;
    public const double RequestsPerSecondGoal = 1000;

    public static Command Create()
    {
        var db = StoreOptions.Db();
        var model = new Option<string>("--model") { Description = "The model whose feature pages to request.", DefaultValueFactory = _ => SyntheticAtlas.Model };
        var connections = new Option<int>("--connections") { Description = "Open HTTP connections (wrk -c).", DefaultValueFactory = _ => 64 };
        var duration = new Option<int>("--duration") { Description = "Seconds of measured load (wrk -d).", DefaultValueFactory = _ => 30 };
        var threads = new Option<int>("--threads") { Description = "wrk threads (wrk -t).", DefaultValueFactory = _ => 2 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of unmeasured load first (JIT tiers, caches; after 5 s the JIT still took ~10% of the CPU).", DefaultValueFactory = _ => 30 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds after which wrk counts a request as a timeout error.", DefaultValueFactory = _ => 2 };
        var inference = new Option<int>("--inference-connections")
        {
            Description = "Also keep this many connections POSTing /api/activation/new (live inference on a random feature) during the run, "
                + "from a second wrk, and report both: do pages keep their latency while the model is busy? Needs the model's files.",
            DefaultValueFactory = _ => 0,
        };
        var target = new Option<string>("--target")
        {
            Description = "What wrk requests: feature pages (pages), the same features as JSON (api: GET /api/feature/...), "
                + "explanation search pages with a random common word (explanations), or search-by-inference pages with a random "
                + "sentence (search; runs the model, needs its files).",
            DefaultValueFactory = _ => "pages",
        };
        target.AcceptOnlyFromAmong("pages", "api", "explanations", "search");
        var concurrent = new Option<int?>("--max-concurrent-requests")
        {
            Description = "Requests the site works on at once, the rest waiting oldest first (AtlasWebOptions.MaxConcurrentRequests); default: the site's own default.",
        };
        var json = CliOptions.Json();
        var command = new Command("web", "Feature-page p99 latency, requests/s and errors under wrk, vs the goals (< 50 ms, ≥ 1,000/s, 0).")
        {
            db, model, connections, duration, threads, warmup, timeout, inference, target, concurrent, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var c = parse.GetValue(connections);
            var d = parse.GetValue(duration);
            var t = parse.GetValue(threads);
            var w = parse.GetValue(warmup);
            var limit = parse.GetValue(timeout);
            var ic = parse.GetValue(inference);
            if (c <= 0 || d <= 0 || t <= 0 || w < 0 || limit <= 0 || ic < 0) throw new UsageException("--connections, --duration, --threads and --timeout must be positive; --warmup and --inference-connections not negative.");
            if (t > c) throw new UsageException("--threads cannot exceed --connections (wrk needs a connection per thread).");
            var wrk = FindWrk();
            var dbPath = parse.GetValue(db)!;
            var modelName = parse.GetValue(model)!;
            var quiet = parse.GetValue(json);

            var store = await AtlasDatabase.OpenAsync(dbPath, cancellationToken);
            var saes = new List<(string Name, int Features)>();
            foreach (var sae in await store.Models.ListSaesAsync(modelName, cancellationToken))
            {
                var count = await store.Dashboards.CountFeaturesAsync(modelName, sae.Name, cancellationToken);
                if (count > 0) saes.Add((sae.Name, count));
            }
            if (saes.Count == 0) throw new InvalidOperationException($"Model '{modelName}' has no dashboards in {dbPath}; seed some with `atlas seed-synthetic --db {dbPath}`.");
            var features = saes.Sum(s => (long)s.Features);

            var script = Path.Combine(Path.GetTempPath(), $"atlas-bench-web-{Environment.ProcessId}.lua");
            var what = parse.GetValue(target)!;
            var byFeature = what is "pages" or "api";
            var root = what == "api" ? "/api/feature" : "";
            await File.WriteAllTextAsync(script, byFeature ? LuaScript(modelName, saes, root) : SearchLuaScript(modelName, explanations: what == "explanations"), cancellationToken);
            var inferenceScript = Path.Combine(Path.GetTempPath(), $"atlas-bench-web-inference-{Environment.ProcessId}.lua");
            if (ic > 0) await File.WriteAllTextAsync(inferenceScript, InferenceLuaScript(modelName, saes), cancellationToken);
            // With inference load, wrk is one client asking for far more than a person's budget: the per-client budget is
            // lifted so that the model's own bounded queue (503 when full) is what holds inference back, as under many clients.
            var lifted = ic > 0 || what == "search";
            var defaults = new AtlasWebOptions { Db = dbPath };
            var options = new AtlasWebOptions
            {
                Db = dbPath, Urls = "http://127.0.0.1:0", RequestLogging = false,
                InferencePerMinute = lifted ? 1_000_000 : defaults.InferencePerMinute,
                InferencePerAddressPerMinute = lifted ? 1_000_000 : defaults.InferencePerAddressPerMinute,
                MaxConcurrentRequests = parse.GetValue(concurrent) ?? defaults.MaxConcurrentRequests,
            };
            await using var app = await AtlasWebHost.BuildAsync(options, cancellationToken);
            try
            {
                await app.StartAsync(cancellationToken);
                var baseUrl = app.Urls.First().TrimEnd('/');
                if (!quiet) AnsiConsole.MarkupLine($"Serving {Markup.Escape(dbPath)} at {baseUrl}: {features:N0} features in {saes.Count} SAEs of {Markup.Escape(modelName)}.");
                var pageBytes = byFeature
                    ? await CheckPagesAsync(baseUrl, root, modelName, saes, cancellationToken)
                    : await CheckPathAsync(baseUrl, what == "explanations"
                        ? $"/search-explanations?model={Uri.EscapeDataString(modelName)}&q={SearchWords[0]}"
                        : $"/search?model={Uri.EscapeDataString(modelName)}&text={Uri.EscapeDataString(SearchTexts[0])}", cancellationToken);
                if (ic > 0) await CheckInferenceAsync(baseUrl, modelName, saes[0].Name, cancellationToken);
                if (w > 0)
                {
                    if (!quiet) AnsiConsole.MarkupLine($"Warming up for {w} s...");
                    await Task.WhenAll(RunWrkAsync(wrk, script, baseUrl, t, c, w, limit, seed: 1, cancellationToken),
                        ic > 0 ? RunWrkAsync(wrk, inferenceScript, baseUrl, 1, ic, w, limit, seed: 1, cancellationToken) : Task.FromResult(""));
                }
                if (!quiet) AnsiConsole.MarkupLine($"Measuring: wrk -t{t} -c{c} -d{d}s --latency{(ic > 0 ? $", beside wrk -t1 -c{ic} of live inference" : "")}...");
                var before = GcSnapshot.Take();
                var pages = RunWrkAsync(wrk, script, baseUrl, t, c, d, limit, seed: 2, cancellationToken);
                var inferring = ic > 0 ? RunWrkAsync(wrk, inferenceScript, baseUrl, 1, ic, d, limit, seed: 2, cancellationToken) : Task.FromResult("");
                var output = await pages;
                var inferenceOutput = await inferring;
                var gc = GcSnapshot.Take() - before;
                var result = WrkResult.Parse(output);
                var report = Report(result, c, t, d, features, saes.Count, pageBytes, gc);
                // Overload leaves nothing behind: the first page after the load must come at once, and the process's
                // peak memory says whether shedding (503 past the queue) kept it bounded.
                var (recoveryStatus, recoveryMs) = await FirstPageAfterLoadAsync(baseUrl, modelName, saes[0].Name, 1, cancellationToken);
                report["max_concurrent_requests"] = options.MaxConcurrentRequests;
                report["after_load_status"] = recoveryStatus;
                report["after_load_ms"] = Math.Round(recoveryMs, 2);
                report["after_load_next_ms"] = Math.Round((await FirstPageAfterLoadAsync(baseUrl, modelName, saes[0].Name, 2, cancellationToken)).Ms, 2);
                report["peak_rss_mb"] = PeakResidentMegabytes();
                WrkResult? inferenceResult = null;
                if (ic > 0)
                {
                    inferenceResult = WrkResult.Parse(inferenceOutput);
                    report["inference"] = new JsonObject
                    {
                        ["connections"] = ic,
                        ["requests"] = inferenceResult.Requests,
                        ["requests_per_second"] = inferenceResult.RequestsPerSecond,
                        ["p50_ms"] = inferenceResult.PercentileMs(50),
                        ["p99_ms"] = inferenceResult.PercentileMs(99),
                        // 503 from the model's full queue (load shed with Retry-After), counted apart from answers.
                        ["shed_or_failed"] = inferenceResult.Non2xx3xx,
                        ["socket_errors"] = inferenceResult.ConnectErrors + inferenceResult.ReadErrors + inferenceResult.WriteErrors + inferenceResult.Timeouts,
                    };
                }
                if (quiet) Console.WriteLine(report.ToJsonString());
                else Print(report, result, inferenceResult);
                return ExitCodes.Success;
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                File.Delete(script);
                File.Delete(inferenceScript);
            }
        });
        return command;
    }

    /// <summary>wrk on PATH (Debian installs /usr/bin/wrk); missing, a clear error naming the package.</summary>
    private static string FindWrk()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "wrk");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("wrk is not installed; install Debian's package: apt-get install wrk.");
    }

    /// <summary><paramref name="text"/> as a Lua string literal.</summary>
    private static string LuaString(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// wrk's setup and init for a script: each thread numbered, and its random numbers seeded from that number and the
    /// run's seed (wrk's first script argument) through the two multipliers.
    /// </summary>
    private static string SeededThreads(long threadMultiplier, long seedMultiplier) => $$"""
        local threads = 0
        function setup(thread)
          threads = threads + 1
          thread:set("thread_number", threads)
        end
        function init(args)
          math.randomseed({{threadMultiplier}} * (thread_number or 1) + {{seedMultiplier}} * (tonumber(args[1]) or 0))
        end

        """;

    /// <summary>
    /// Lua for wrk: each request a uniformly random stored feature over all SAEs (its page, or its path under
    /// <paramref name="root"/>, such as <c>/api/feature</c>); each wrk thread seeded from its number and the run's seed
    /// (wrk's first script argument), so runs with one seed request the same sequence of pages and the warm-up, run
    /// with another, does not fill the page cache with the measured run's pages.
    /// </summary>
    internal static string LuaScript(string model, IReadOnlyList<(string Name, int Features)> saes, string root = "")
    {
        static string Quote(string s) => LuaString(Uri.EscapeDataString(s));
        var sb = new StringBuilder();
        sb.AppendLine("-- atlas bench web: GET a random feature page of the stored SAEs.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local prefix = {LuaString(root)} .. \"/\" .. {Quote(model)} .. \"/\"");
        sb.AppendLine($"local saes = {{ {string.Join(", ", saes.Select(s => Quote(s.Name)))} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local counts = {{ {string.Join(", ", saes.Select(s => s.Features.ToString(CultureInfo.InvariantCulture)))} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local total = {saes.Sum(s => (long)s.Features)}");
        sb.Append(SeededThreads(7919, 104729));
        sb.AppendLine("""
            function request()
              local r = math.random(0, total - 1)
              for i = 1, #saes do
                if r < counts[i] then return wrk.format("GET", prefix .. saes[i] .. "/" .. r) end
                r = r - counts[i]
              end
            end
            """);
        return sb.ToString();
    }

    /// <summary>Words the explanation search asks for: common English words that explanations of text features use.</summary>
    internal static readonly string[] SearchWords =
        ["the", "whale", "ship", "sea", "war", "congress", "people", "government", "and", "of", "president", "time", "water", "states", "man", "year"];

    /// <summary>Sentences the search-by-inference page runs (each 10-20 GPT-2 tokens).</summary>
    internal static readonly string[] SearchTexts =
    [
        "The whale rose beside the ship.",
        "Congress passed the budget last year.",
        "We shall defend our nation at sea and on land.",
        "Call me Ishmael. Some years ago, never mind how long precisely.",
        "The President spoke to the people of the United States.",
    ];

    /// <summary>Lua for wrk: explanation search (<c>/search-explanations</c>) or search by inference (<c>/search</c>) with a random word or sentence.</summary>
    internal static string SearchLuaScript(string model, bool explanations)
    {
        var prefix = explanations ? $"/search-explanations?model={Uri.EscapeDataString(model)}&q=" : $"/search?model={Uri.EscapeDataString(model)}&text=";
        var terms = (explanations ? SearchWords : SearchTexts).Select(t => LuaString(Uri.EscapeDataString(t)));
        var sb = new StringBuilder();
        sb.AppendLine("-- atlas bench web: GET a search page with a random query.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local prefix = {LuaString(prefix)}");
        sb.AppendLine($"local terms = {{ {string.Join(", ", terms)} }}");
        sb.Append(SeededThreads(7919, 104729));
        sb.AppendLine("""
            function request()
              return wrk.format("GET", prefix .. terms[math.random(1, #terms)])
            end
            """);
        return sb.ToString();
    }

    /// <summary>GETs <paramref name="path"/> once before the load: it must answer 200. Returns its size in bytes.</summary>
    private static async Task<double> CheckPathAsync(string baseUrl, string path, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(120) };
        using var response = await http.GetAsync(path, cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} before the load started.");
        return (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
    }

    /// <summary>The text every inference request runs (about 60 GPT-2 tokens, like a short paragraph typed into "test this feature").</summary>
    internal const string InferenceText =
        "The whale surfaced beside the ship at dawn, and the captain, who had waited three years for this moment, called every man on deck. "
        + "Nobody spoke; the sea was calm and the sky was the colour of iron.";

    /// <summary>
    /// Lua for the inference wrk: each request POSTs Neuronpedia's <c>/api/activation/new</c> for a uniformly random
    /// feature of the stored SAEs with <see cref="InferenceText"/>, seeded like <see cref="LuaScript"/>.
    /// </summary>
    internal static string InferenceLuaScript(string model, IReadOnlyList<(string Name, int Features)> saes)
    {
        static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        var sb = new StringBuilder();
        sb.AppendLine("-- atlas bench web: POST /api/activation/new for a random feature of the stored SAEs.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local model = {LuaString(Json(model))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local text = {LuaString(Json(InferenceText))}");
        sb.AppendLine($"local saes = {{ {string.Join(", ", saes.Select(s => LuaString(Json(s.Name))))} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local counts = {{ {string.Join(", ", saes.Select(s => s.Features.ToString(CultureInfo.InvariantCulture)))} }}");
        // Other multipliers than the pages' script, so the two wrks do not draw the same sequence of numbers.
        sb.Append(SeededThreads(15485863, 32452843));
        sb.AppendLine("""
            function request()
              local i = math.random(1, #saes)
              local body = '{"feature":{"modelId":' .. model .. ',"source":' .. saes[i] .. ',"index":' .. math.random(0, counts[i] - 1) .. '},"customText":' .. text .. '}'
              return wrk.format("POST", "/api/activation/new", { ["Content-Type"] = "application/json" }, body)
            end
            """);
        return sb.ToString();
    }

    /// <summary>One inference request before the load (it also loads the model): it must answer 200, or the model's files are missing.</summary>
    private static async Task CheckInferenceAsync(string baseUrl, string model, string sae, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(120) };
        var body = new JsonObject { ["feature"] = new JsonObject { ["modelId"] = model, ["source"] = sae, ["index"] = 0 }, ["customText"] = InferenceText };
        using var response = await http.PostAsync("/api/activation/new", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"POST /api/activation/new for {model}/{sae} answered {(int)response.StatusCode} before the load started "
                + $"(--inference-connections needs a model whose files are present; synthetic dashboards have none): {detail[..Math.Min(300, detail.Length)]}");
        }
    }

    /// <summary>One page (feature <paramref name="index"/>, not cached) after the load stops: its status and milliseconds (recovery from overload).</summary>
    private static async Task<(int Status, double Ms)> FirstPageAfterLoadAsync(string baseUrl, string model, string sae, int index, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(sae)}/{index}?text=after-load", cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return ((int)response.StatusCode, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>This process's peak resident memory (VmHWM, the site's and the bench's), in MB; 0 where /proc is absent.</summary>
    private static double PeakResidentMegabytes()
    {
        if (!File.Exists("/proc/self/status")) return 0;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
    }

    /// <summary>GETs 20 seeded random pages one by one: each must answer 200. Returns their mean size in bytes.</summary>
    private static async Task<double> CheckPagesAsync(string baseUrl, string root, string model, IReadOnlyList<(string Name, int Features)> saes, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(5);
        long bytes = 0;
        const int pages = 20;
        for (var i = 0; i < pages; i++)
        {
            var (sae, count) = saes[random.Next(saes.Count)];
            var url = $"{root}/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(sae)}/{random.Next(count)}";
            using var response = await http.GetAsync(url, cancellationToken);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode} before the load started.");
            bytes += (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
        }
        return bytes / (double)pages;
    }

    /// <summary>Runs wrk; <paramref name="seed"/> picks the page sequence, so the measured run does not repeat the warm-up's pages.</summary>
    private static async Task<string> RunWrkAsync(string wrk, string script, string baseUrl, int threads, int connections, int seconds, int timeout, int seed, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"-t{threads}", $"-c{connections}", $"-d{seconds}s", $"--timeout={timeout}s", "--latency", "-s", script, baseUrl + "/", "--", seed.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {wrk}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}): {(await stderr).Trim()}");
        return await stdout;
    }

    private static JsonObject Report(WrkResult r, int connections, int threads, int duration, long features, int saes, double pageBytes, GcSnapshot gc)
    {
        var p99 = r.PercentileMs(99);
        return new JsonObject
        {
            ["connections"] = connections,
            ["threads"] = threads,
            ["duration_s"] = duration,
            ["features"] = features,
            ["saes"] = saes,
            ["requests"] = r.Requests,
            ["p50_ms"] = r.PercentileMs(50),
            ["p75_ms"] = r.PercentileMs(75),
            ["p90_ms"] = r.PercentileMs(90),
            ["p99_ms"] = p99,
            // wrk leaves timed-out requests out of its percentiles, so with timeouts the real p99 is higher.
            ["p99_is_lower_bound"] = r.Timeouts > 0,
            ["max_ms"] = r.MaxLatencyMs,
            ["requests_per_second"] = r.RequestsPerSecond,
            ["errors"] = r.Errors,
            ["non_2xx_3xx"] = r.Non2xx3xx,
            ["socket_errors"] = r.ConnectErrors + r.ReadErrors + r.WriteErrors + r.Timeouts,
            ["timeouts"] = r.Timeouts,
            ["page_bytes"] = Math.Round(pageBytes),
            ["server_allocated_bytes_per_request"] = r.Requests == 0 ? 0 : Math.Round((double)gc.AllocatedBytes / r.Requests),
            ["gen2_collections"] = gc.Gen2,
            // Every collection counts in gen 0's; the pauses stop every request at once, so they bound part of the tail.
            ["gc_collections"] = gc.Collections,
            ["gc_pause_ms"] = Math.Round(gc.Paused.TotalMilliseconds, 1),
            // CPU the site spent per request: steadier than requests/s on a shared machine, where other jobs take cores.
            ["server_cpu_ms_per_request"] = r.Requests == 0 ? 0 : Math.Round(gc.Cpu.TotalMilliseconds / r.Requests, 3),
            ["thread_pool_threads"] = ThreadPool.ThreadCount,
            ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
            ["p99_vs_goal"] = p99 / P99GoalMs,
            ["rps_vs_goal"] = r.RequestsPerSecond / RequestsPerSecondGoal,
            ["goals_met"] = p99 < P99GoalMs && r.RequestsPerSecond >= RequestsPerSecondGoal && r.Errors == 0,
        };
    }

    private static void Print(JsonObject report, WrkResult r, WrkResult? inference)
    {
        var table = new Table().AddColumns("figure", "measured", "goal", "ratio");
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        table.AddRow("p50 latency", $"{F(r.PercentileMs(50))} ms", "", "");
        table.AddRow("p99 latency", $"{F(r.PercentileMs(99))} ms", $"< {P99GoalMs} ms", $"{F(r.PercentileMs(99) / P99GoalMs)} (p99 / 50 ms)");
        table.AddRow("requests/s", F(r.RequestsPerSecond), $"≥ {RequestsPerSecondGoal:N0}", $"{F(r.RequestsPerSecond / RequestsPerSecondGoal)} (rps / 1,000)");
        table.AddRow("errors", $"{r.Errors} ({r.Non2xx3xx} status ≥ 400, {r.ConnectErrors + r.ReadErrors + r.WriteErrors} socket, {r.Timeouts} timeouts)", "0", "");
        table.AddRow("requests", r.Requests.ToString("N0", CultureInfo.InvariantCulture), "", "");
        table.AddRow("page size", $"{(double)report["page_bytes"]! / 1024:0.#} KB", "", "");
        table.AddRow("server allocation", $"{(double)report["server_allocated_bytes_per_request"]! / 1024:0.#} KB/request", "", "");
        table.AddRow("server CPU", $"{(double)report["server_cpu_ms_per_request"]!:0.###} ms/request", "", "");
        table.AddRow("peak memory", $"{(double)report["peak_rss_mb"]!:0.#} MB (VmHWM)", "", "");
        table.AddRow("first page after the load", $"{(int)report["after_load_status"]!} in {(double)report["after_load_ms"]!:0.##} ms, the next in {(double)report["after_load_next_ms"]!:0.##} ms", "", "");
        if (inference is not null)
        {
            table.AddRow("inference p50 / p99", $"{F(inference.PercentileMs(50))} / {F(inference.PercentileMs(99))} ms", "", "");
            table.AddRow("inference answered", $"{F(inference.RequestsPerSecond)}/s, {inference.Non2xx3xx} shed (503) or failed", "", "");
        }
        AnsiConsole.Write(table);
        if (r.Timeouts > 0) AnsiConsole.MarkupLine($"[yellow]{r.Timeouts} requests timed out; wrk leaves them out of its percentiles, so the real p99 is higher.[/]");
        AnsiConsole.MarkupLine((bool)report["goals_met"]! ? "[green]All three goals met.[/]" : "[yellow]Goals not met.[/]");
    }

    /// <summary>Allocation, collections (all, gen 2), GC pauses and CPU time of this process (the site runs in it), to difference around the run.</summary>
    private readonly record struct GcSnapshot(long AllocatedBytes, int Collections, int Gen2, TimeSpan Paused, TimeSpan Cpu)
    {
        public static GcSnapshot Take() => new(GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
            Process.GetCurrentProcess().TotalProcessorTime);

        public static GcSnapshot operator -(GcSnapshot a, GcSnapshot b) =>
            new(a.AllocatedBytes - b.AllocatedBytes, a.Collections - b.Collections, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Cpu - b.Cpu);
    }
}
