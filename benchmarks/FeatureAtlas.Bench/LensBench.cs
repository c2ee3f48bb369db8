using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>lens</c>: p50 and best seconds, over --reps runs after a warm-up, on a --tokens prompt of seeded random ids, of the
/// logit lens and the tuned lens (top 5 per layer × position; the tuned lens with zero translators, which cost what
/// trained ones do), of "why this token" attribution without exact effects (direct effects, act × grad and the
/// features of any --sae: the table the page shows first) and with the exact total effects of the top 20 by ablation
/// (what the page fills in next). With --torch, the same four in PyTorch (tests/reference/torch_lens_bench.py, 2
/// threads) right after ours, and each ratio. The GEMM GFLOP/s of the readout's shape is reported beside them, since
/// the lens is bound by its L·T × D × V multiply.
/// The figure it protects: p50 &lt; 0.5 s each for lens and attribution at 64 tokens on GPT-2 small shape on the
/// 2-core machine (issue 17).
/// </summary>
internal static class LensBench
{
    public static Command Create()
    {
        var model = CliOptions.Model("A GPT-2 folder (e.g. from `atlas init-model`; GPT-2 small shape for the issue's figure).");
        var saes = new Option<string[]>("--sae") { Description = "SAE folders whose features attribution also reads; repeatable." };
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 64, Description = "Prompt tokens." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 5, Description = "Timed runs of each (the median and best are reported)." };
        var torch = new Option<bool>("--torch") { Description = "Also time the same work in PyTorch (tests/reference/torch_lens_bench.py, 2 threads) and report the ratios." };
        var json = CliOptions.Json();
        var command = new Command("lens", "Logit and tuned lens and logit attribution p50 seconds on one prompt.") { model, saes, tokens, reps, torch, json };
        command.SetAction(parse =>
        {
            var (t, r) = (parse.GetValue(tokens), parse.GetValue(reps));
            if (t <= 0 || r <= 0) throw new UsageException("--tokens and --reps must be positive.");
            var session = InferenceSession.Load(parse.GetValue(model)!, parse.GetValue(saes) ?? []);
            var gpt2 = session.Model;
            if (t > gpt2.Config.Positions) throw new UsageException($"--tokens {t} exceeds the model's n_positions {gpt2.Config.Positions}.");
            var vocab = gpt2.Config.Vocab;
            var prompt = Enumerable.Range(0, t).Select(i => (int)(CounterRandom.Uniform(13, (ulong)i) * (vocab - 1))).ToArray();
            int target = Math.Min(262, vocab - 1), distractor = Math.Min(13, vocab - 2);
            var tuned = TunedLens.CreateIdentity(gpt2.Config);
            var report = new JsonObject
            {
                ["model"] = gpt2.Name, ["layers"] = gpt2.Config.Layers, ["d_model"] = gpt2.Config.DModel, ["tokens"] = t, ["reps"] = r,
                ["saes"] = session.Saes.Count, ["threads"] = Sgemm.Parallelism, ["gemm_path"] = Sgemm.ActivePath.ToString(),
                ["load_average"] = PatchBench.LoadAverage(),
                ["lens"] = Time(r, () => LogitLens.Run(gpt2, prompt, 5)),
                ["tuned_lens"] = Time(r, () => LogitLens.Run(gpt2, prompt, 5, tuned)),
                ["attribute"] = Time(r, () => LogitAttribution.Explain(gpt2, session.Saes, prompt, target, distractor, exactTop: 0)),
                ["attribute_exact_top_20"] = Time(r, () => LogitAttribution.Explain(gpt2, session.Saes, prompt, target, distractor)),
                ["readout_gemm_gflops"] = ReadoutGflops(gpt2, t),
            };
            if (parse.GetValue(torch))
            {
                var peer = ReferenceScripts.RunPeer("torch_lens_bench.py",
                [
                    "--model", parse.GetValue(model)!, "--tokens", string.Join(',', prompt), "--target", $"{target}", "--distractor", $"{distractor}",
                    "--reps", $"{r}", "--threads", "2",
                ]);
                report["torch"] = peer;
                double Ratio(string ours, string theirs) => (double)peer[theirs]!["p50_seconds"]! / (double)report[ours]!["p50_seconds"]!;
                report["lens_vs_torch"] = Ratio("lens", "lens");
                report["tuned_lens_vs_torch"] = Ratio("tuned_lens", "tuned_lens");
                report["attribute_vs_torch"] = Ratio("attribute", "attribute");
                // Ours includes the fast part; PyTorch's exact figure is the ablations alone.
                report["attribute_exact_top_20_vs_torch"] = ((double)peer["attribute"]!["p50_seconds"]! + (double)peer["exact"]!["p50_seconds"]!)
                    / (double)report["attribute_exact_top_20"]!["p50_seconds"]!;
            }
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else BenchReport.Print(report);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>GFLOP/s of the lens readout's multiply alone: [L·T, D] × W_U [D, V], best of three.</summary>
    private static double ReadoutGflops(Gpt2Model model, int t)
    {
        var c = model.Config;
        var rows = c.Layers * t;
        var x = new float[rows * c.DModel];
        for (var i = 0; i < x.Length; i++) x[i] = (float)CounterRandom.Uniform(5, (ulong)i) - 0.5f;
        var logits = new float[(long)rows * c.Vocab];
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var start = Stopwatch.GetTimestamp();
            model.MultiplyByUnembedding(x, rows, logits);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 2.0 * rows * c.DModel * c.Vocab / best / 1e9;
    }

    private static JsonObject Time(int reps, Action action)
    {
        action();
        var seconds = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return new JsonObject { ["p50_seconds"] = seconds[reps / 2], ["best_seconds"] = seconds[0] };
    }
}
