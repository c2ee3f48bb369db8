using System.Diagnostics;
using System.Text.RegularExpressions;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas demo</c> end to end at a reduced size, through the real CLI process: every step runs, the site serves a
/// feature page of the demo model's SAEs and transcoders, the circuit tools start from the demo's example and graph, and a
/// second run reuses every finished step.
/// </summary>
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "atlas-demo-test-" + Guid.NewGuid().ToString("N"));
    private readonly string _cache;

    public DemoCommandTests()
    {
        Directory.CreateDirectory(_folder);
        // The corpora come from the npm packages test.sh installed for the tokenizer tests, not from the network.
        _cache = Path.Combine(_folder, "cache");
        var modules = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "reference", "tokenizer", "node_modules"));
        Directory.CreateDirectory(Path.Combine(_cache, "npm"));
        Directory.CreateSymbolicLink(Path.Combine(_cache, "npm", "node_modules"), modules);
    }

    [GeneratedRegex(@"open (http://127\.0\.0\.1:\d+/\S+)")]
    private static partial Regex OpenLine();

    [Fact]
    public async Task Demo_Small_BuildsEveryStepServesTheModelAndRerunReusesThem()
    {
        var dir = Path.Combine(_folder, "demo");
        using (var demo = Start("demo", "--small", "--tokens", "2048", "--dir", dir, "--urls", "http://127.0.0.1:0"))
        {
            var url = await ReadUntilAsync(demo, OpenLine(), TimeSpan.FromMinutes(8));
            using var http = new HttpClient();
            var model = await http.GetStringAsync(url);
            Assert.Matches(@"demo model, trained here on [\d,]+ tokens of Moby Dick and State of the Union addresses \(held-out loss \d+\.\d\d nats/token\)", model);
            Assert.DoesNotContain("random weights", model);
            var feature = await http.GetStringAsync(url + "/demo-res3-topk/0");
            Assert.Contains("demo-res3-topk", feature);
            Assert.Contains("Top activations", feature);
            // Transcoder features have dashboards like SAE features, and the circuit tools start from the demo's example and graph.
            var transcoderFeature = await http.GetStringAsync(url + "/demo-tc1/0");
            Assert.Contains("demo-tc1", transcoderFeature);
            Assert.Contains("Top activations", transcoderFeature);
            var circuits = await http.GetStringAsync(url + "/circuits");
            Assert.Contains("prompt=The%20President%20of%20the%20United&amp;target=%20States&amp;distractor=%20Nations", circuits);
            Assert.Contains("corrupted=The%20President%20of%20the%20Senate", circuits);
            Assert.Contains("/demo-gpt2/graph/president-of-the-united", circuits);
            Assert.Contains("President", await http.GetStringAsync(url + "/graph/president-of-the-united"));
            demo.Kill(entireProcessTree: true);
        }

        var store = await AtlasDatabase.OpenAsync(Path.Combine(dir, "atlas.db"), CancellationToken.None);
        foreach (var sae in new[] { "demo-res1-standard", "demo-res3-topk" })
        {
            Assert.NotNull(await store.Evals.GetEvalAsync("demo-gpt2", sae, CancellationToken.None));
            Assert.NotNull(await store.Dashboards.GetDashboardSummaryAsync("demo-gpt2", sae, CancellationToken.None));
            Assert.NotEmpty(await store.Explanations.ListExplanationsAsync("demo-gpt2", sae, null, 0, 1, CancellationToken.None));
            Assert.NotNull(await store.Umaps.GetUmapAsync("demo-gpt2", sae, CancellationToken.None));
        }
        foreach (var transcoder in new[] { "demo-tc0", "demo-tc1", "demo-tc2", "demo-tc3" })
        {
            Assert.NotNull(await store.Dashboards.GetDashboardSummaryAsync("demo-gpt2", transcoder, CancellationToken.None));
            Assert.NotEmpty(await store.Explanations.ListExplanationsAsync("demo-gpt2", transcoder, null, 0, 1, CancellationToken.None));
        }
        var graph = await store.Graphs.GetGraphAsync("demo-gpt2", "president-of-the-united", CancellationToken.None);
        Assert.NotNull(graph);
        Assert.True(File.Exists(Path.Combine(dir, "transcoders", "replacement-eval.json")));
        // The presets a tiny model can show are few or none, but the search ran and left its (valid) file.
        Assert.NotNull(FeatureAtlas.Core.Steering.SteerPreset.Read(Path.Combine(dir, "model")));
        Assert.True(File.Exists(Path.Combine(dir, "model", FeatureAtlas.Core.Steering.SteerPreset.FileName)));
        var joint = await store.Umaps.GetJointUmapAsync("demo-gpt2", "demo-res1-standard+demo-res3-topk", CancellationToken.None);
        Assert.Equal(["demo-res1-standard", "demo-res3-topk"], joint!.Saes);

        // Everything is there: a second run does no work, only prints each step as done (no step reports progress).
        var progress = new System.Text.StringBuilder();
        using var again = Start(progress, "demo", "--small", "--tokens", "2048", "--dir", dir, "--no-serve");
        var output = await again.StandardOutput.ReadToEndAsync();
        await again.WaitForExitAsync();
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("maps stored", output);
        Assert.Contains("CE loss recovered", output);
        Assert.Contains("graph of “The President of the United”", output);
        Assert.Contains("steering presets", output);
        Assert.DoesNotContain("training", output);
        // Progress lines ("dashboards: tokens 1,024/2,048 (50%), 150 tokens/s") go to stderr, and only work prints them.
        Assert.DoesNotContain("tokens/s", progress.ToString());
    }

    private Process Start(params string[] args) => Start(null, args);

    /// <summary>Starts atlas with <paramref name="args"/>; its stderr lines go to <paramref name="errors"/> (when given).</summary>
    private Process Start(System.Text.StringBuilder? errors, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "atlas.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["ATLAS_CACHE"] = _cache;
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (errors is not null && e.Data is not null) lock (errors) errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> ReadUntilAsync(Process process, Regex pattern, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            if (pattern.Match(line) is { Success: true } match) return match.Groups[1].Value;
        }
        throw new InvalidOperationException($"atlas demo ended (exit {(process.HasExited ? process.ExitCode : -1)}) without printing the site's address.");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
