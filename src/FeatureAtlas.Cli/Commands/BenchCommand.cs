using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas bench forward</c>: forward-pass throughput (full logits at every position), with an SAE encoded on
/// its hook, and SGEMM GFLOP/s, each the best of several repetitions after a warm-up; with --torch, PyTorch's
/// figures for the same model and shapes measured in the same run, and the ratios.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure engine speed against references in the same run.");
        bench.Subcommands.Add(CreateForward());
        bench.Subcommands.Add(DashboardsBench.Create());
        bench.Subcommands.Add(SearchBench.Create());
        bench.Subcommands.Add(ExplainBench.Create());
        bench.Subcommands.Add(WebBench.Create());
        bench.Subcommands.Add(UmapBench.Create());
        bench.Subcommands.Add(SimilarBench.Create());
        bench.Subcommands.Add(TrainSaeBench.Create());
        bench.Subcommands.Add(GenerateBench.Create());
        return bench;
    }

    private static Command CreateForward()
    {
        var model = CliOptions.Model();
        var sae = new Option<string?>("--sae") { Description = "An SAE folder to encode on its hook as part of the forward pass." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 8, Description = "Sequences per forward pass." };
        var seq = new Option<int>("--seq") { DefaultValueFactory = _ => 128, Description = "Tokens per sequence." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 5, Description = "Timed repetitions (the best counts)." };
        var torch = new Option<bool>("--torch") { Description = "Also run tests/reference/torch_bench.py (Debian python3-torch, 2 threads) and report ratios." };
        var json = CliOptions.Json();
        var command = new Command("forward", "GPT-2 forward tokens/s, with an SAE, and SGEMM GFLOP/s vs OpenBLAS.") { model, sae, batch, seq, reps, torch, json };
        command.SetAction(parse =>
        {
            var b = parse.GetValue(batch);
            var t = parse.GetValue(seq);
            var r = parse.GetValue(reps);
            if (b <= 0 || t <= 0 || r <= 0) throw new UsageException("--batch, --seq and --reps must be positive.");
            var report = RunForward(parse.GetValue(model)!, parse.GetValue(sae), b, t, r);
            if (parse.GetValue(torch)) AddTorch(report, parse.GetValue(model)!, parse.GetValue(sae), b, t, r);
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else Print(report);
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject RunForward(string modelDir, string? saeDir, int batch, int seq, int reps)
    {
        var saes = saeDir is null ? [] : new[] { saeDir };
        var session = InferenceSession.Load(modelDir, saes);
        var model = session.Model;
        if (seq > model.Config.Positions) throw new UsageException($"--seq {seq} exceeds the model's n_positions {model.Config.Positions}.");
        var random = new Random(0);
        var tokens = Enumerable.Range(0, batch * seq).Select(_ => random.Next(model.Config.Vocab)).ToArray();
        var logits = new float[(long)batch * seq * model.Config.Vocab];

        var plain = RunOptions.Default;
        var (seconds, allocated) = Best(reps, () => model.Run(tokens, batch, plain, logits));
        var report = new JsonObject
        {
            ["model"] = model.Name,
            ["batch"] = batch,
            ["seq"] = seq,
            ["threads"] = Sgemm.Parallelism,
            ["gemm_path"] = Sgemm.ActivePath.ToString(),
            ["tokens_per_second"] = batch * seq / seconds,
            ["allocated_bytes_per_forward"] = allocated,
        };

        if (session.Saes.Count > 0)
        {
            var autoencoder = session.Saes[0];
            var features = new float[(long)batch * seq * autoencoder.DSae];
            // Encode inside the hook: the activation is read where it is computed, with no cache copy.
            var options = new RunOptions
            {
                Hooks = new Dictionary<string, ActivationHook> { [autoencoder.HookName] = (_, _, values) => autoencoder.Encode(values, batch * seq, features) },
            };
            var (withSae, _) = Best(reps, () => model.Run(tokens, batch, options, logits));
            report["sae"] = autoencoder.Name;
            report["d_sae"] = autoencoder.DSae;
            report["with_sae_tokens_per_second"] = batch * seq / withSae;
        }
        else
        {
            report["with_sae_tokens_per_second"] = null;
        }

        const int m = 1024, k = 768, n = 3072;
        var a = new float[m * k];
        var bMatrix = new float[k * n];
        var c = new float[m * n];
        var rng = new Random(1);
        for (var i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
        for (var i = 0; i < bMatrix.Length; i++) bMatrix[i] = (float)rng.NextDouble() - 0.5f;
        var packed = PackedMatrix.Pack(bMatrix, k, n);
        var flops = 2.0 * m * k * n;
        var (gemm, _) = Best(Math.Max(reps, 10), () => Sgemm.Multiply(a, packed, c, m));
        report["gemm_gflops"] = flops / gemm / 1e9;
        if (OpenBlas.IsAvailable)
        {
            var (blas, _) = Best(Math.Max(reps, 10), () => OpenBlas.Multiply(a, bMatrix, c, m, k, n));
            report["openblas_gemm_gflops"] = flops / blas / 1e9;
            report["gemm_vs_openblas"] = blas / gemm;
        }
        return report;
    }

    /// <summary>Best wall time of <paramref name="reps"/> runs after a warm-up, and the bytes the last run allocated.</summary>
    private static (double Seconds, long Allocated) Best(int reps, Action action)
    {
        action();
        var best = double.MaxValue;
        long allocated = 0;
        for (var i = 0; i < reps; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();   // not StartNew: a Stopwatch object would count as an allocation
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return (best, allocated);
    }

    private static void AddTorch(JsonObject report, string modelDir, string? saeDir, int batch, int seq, int reps)
    {
        var script = FindReferenceScript("torch_bench.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, "--model", modelDir, "--batch", $"{batch}", "--seq", $"{seq}", "--threads", "2", "--reps", $"{reps}" }) start.ArgumentList.Add(arg);
        if (saeDir is not null)
        {
            start.ArgumentList.Add("--sae");
            start.ArgumentList.Add(saeDir);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"torch_bench.py failed (exit {process.ExitCode}): {stderr.Trim().Split('\n').LastOrDefault()} (is python3-torch installed?)");
        }
        var torch = JsonNode.Parse(stdout.Trim().Split('\n').Last())!.AsObject();
        report["torch"] = torch;
        report["tokens_per_second_vs_torch"] = (double)report["tokens_per_second"]! / (double)torch["tokens_per_second"]!;
        if (saeDir is not null)
        {
            report["with_sae_vs_torch"] = (double)report["with_sae_tokens_per_second"]! / (double)torch["with_sae_tokens_per_second"]!;
        }
        report["gemm_vs_torch"] = (double)report["gemm_gflops"]! / (double)torch["gemm_gflops"]!;
    }

    internal static string FindReferenceScript(string name)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "reference", name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"tests/reference/{name} not found above the current folder; run from the FeatureAtlas checkout.");
    }

    internal static void Print(JsonObject report)
    {
        var table = new Table().AddColumns("figure", "value");
        foreach (var (key, value) in report)
        {
            if (value is JsonObject nested)
            {
                foreach (var (innerKey, innerValue) in nested) table.AddRow(Markup.Escape($"{key}.{innerKey}"), Markup.Escape(Format(innerValue)));
            }
            else
            {
                table.AddRow(Markup.Escape(key), Markup.Escape(Format(value)));
            }
        }
        AnsiConsole.Write(table);
    }

    private static string Format(JsonNode? value) => value is JsonValue v && v.TryGetValue<double>(out var d) && d % 1 != 0 ? d.ToString("G4") : value?.ToJsonString() ?? "null";
}
