using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Core.Training;
using Spectre.Console;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>train-sae</c>: training tokens/s of one optimiser step (forward, backward, Adam) of a
/// d_sae-feature SAE on RANDOM d_in-wide activations (labelled synthetic: the step's cost does not depend on
/// the data), per architecture, best of --reps after a warm-up; with --torch, the same step in PyTorch
/// (tests/reference/torch_train_bench.py, 2 threads, started by <see cref="ReferenceScripts.RunPeer"/> with the
/// OpenBLAS kernel for this CPU) measured right after ours in the same run, and the ratio; the kernel that ran is reported.
/// </summary>
internal static class TrainSaeBench
{
    public static Command Create()
    {
        var architectures = new Option<string[]>("--arch") { Description = "standard, topk, jumprelu (repeatable; default all three).", AllowMultipleArgumentsPerToken = true };
        var dIn = new Option<int>("--d-in") { DefaultValueFactory = _ => 768, Description = "Activation width." };
        var dSae = new Option<int>("--d-sae") { DefaultValueFactory = _ => 24_576, Description = "Features." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4096, Description = "Tokens per step." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 100, Description = "TopK's k." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 3, Description = "Timed steps (the best counts)." };
        var torch = new Option<bool>("--torch") { Description = "Also time PyTorch's step (Debian python3-torch, 2 threads) and report ratios." };
        var json = CliOptions.Json();
        var command = new Command("train-sae", "SAE training tokens/s per architecture on synthetic activations, vs PyTorch.") { architectures, dIn, dSae, batch, k, reps, torch, json };
        command.SetAction(parse =>
        {
            var (n, s, b, kk, r) = (parse.GetValue(dIn), parse.GetValue(dSae), parse.GetValue(batch), parse.GetValue(k), parse.GetValue(reps));
            if (n <= 0 || s <= 0 || b <= 0 || r <= 0 || kk <= 0 || kk > s) throw new UsageException("--d-in, --d-sae, --batch and --reps must be positive, and --k in [1, d_sae].");
            var names = parse.GetValue(architectures) is { Length: > 0 } given ? given : ["standard", "topk", "jumprelu"];
            var report = new JsonObject { ["synthetic"] = true, ["d_in"] = n, ["d_sae"] = s, ["batch"] = b, ["k"] = kk, ["threads"] = Sgemm.Parallelism, ["gemm_path"] = Sgemm.ActivePath.ToString() };
            foreach (var name in names)
            {
                var architecture = name switch
                {
                    "standard" => SaeArchitecture.Standard,
                    "topk" => SaeArchitecture.TopK,
                    "jumprelu" => SaeArchitecture.JumpRelu,
                    _ => throw new UsageException($"--arch must be standard, topk or jumprelu, found '{name}'."),
                };
                var ours = Measure(architecture, n, s, b, kk, r);
                var entry = new JsonObject { ["seconds_per_step"] = ours, ["tokens_per_second"] = b / ours };
                if (parse.GetValue(torch))
                {
                    var reference = RunTorch(name, n, s, b, kk, r);
                    entry["torch"] = reference;
                    entry["vs_torch"] = b / ours / (double)reference["tokens_per_second"]!;
                }
                report[name] = entry;
            }
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else Print(report);
            return ExitCodes.Success;
        });
        return command;
    }

    private static double Measure(SaeArchitecture architecture, int dIn, int dSae, int batch, int k, int reps)
    {
        var options = new SaeTrainingOptions { Architecture = architecture, DSae = dSae, BatchTokens = batch, Steps = reps + 1, K = k, BDecInit = BDecInit.Zeros };
        var trainer = SaeTrainer.Create(options, dIn);
        var x = new float[(long)batch * dIn];
        CounterRandom.FillNormal(x, CounterRandom.Stream(0, "bench activations"), 1f);
        trainer.TrainStep(x, batch);   // warm-up: workspaces, JIT, pooled GEMM buffers
        var best = double.MaxValue;
        for (var i = 0; i < reps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            trainer.TrainStep(x, batch);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    private static JsonObject RunTorch(string architecture, int dIn, int dSae, int batch, int k, int reps) =>
        ReferenceScripts.RunPeer("torch_train_bench.py",
            ["--arch", architecture, "--d-in", $"{dIn}", "--d-sae", $"{dSae}", "--batch", $"{batch}", "--k", $"{k}", "--threads", "2", "--reps", $"{reps}"]);

    private static void Print(JsonObject report)
    {
        var table = new Table().AddColumns("architecture", "ours tokens/s", "PyTorch tokens/s", "ratio");
        string? kernel = null;
        foreach (var (key, value) in report)
        {
            if (value is not JsonObject entry) continue;
            var torch = entry["torch"] is JsonObject t ? $"{(double)t["tokens_per_second"]!:N0}" : "-";
            kernel ??= (entry["torch"] as JsonObject)?["openblas_core"]?.ToString();
            var ratio = entry["vs_torch"] is { } v ? $"{(double)v:F2}×" : "-";
            table.AddRow(key, $"{(double)entry["tokens_per_second"]!:N0}", torch, ratio);
        }
        AnsiConsole.MarkupLine($"SAE training step, d_in {report["d_in"]}, d_sae {report["d_sae"]}, batch {report["batch"]}, {report["threads"]} threads, synthetic activations");
        AnsiConsole.Write(table);
        if (kernel is not null) AnsiConsole.MarkupLine(Markup.Escape($"PyTorch ran on OpenBLAS {kernel}."));
    }
}
