using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>patch</c>: the seconds of one exact activation-patching grid (resid_pre, attn_out, mlp_out per layer × position,
/// each head's hook_z) for a --tokens pair (seeded random ids; the corrupted prompt differs at two positions), after a
/// warm-up; with --torch, the same grid in PyTorch (tests/reference/torch_patch_bench.py: one full batch-1 forward
/// per cell, as TransformerLens's generic_activation_patch runs it, 2 threads, logits at the last position only)
/// right after ours in the same run, the ratio, and the largest difference between the two grids. The PyTorch peer
/// gets the OPENBLAS_CORETYPE that ReferenceScripts.RunPeer picks for this CPU unless the environment sets one (Debian's OpenBLAS 0.3.21 does not know this
/// CPU and would run its Prescott kernels); the kernel that ran is reported.
/// The figure it protects: ≥ 1.5× PyTorch on a 16-token pair, GPT-2 small shape (issue 17).
/// </summary>
internal static class PatchBench
{
    public static Command Create()
    {
        var model = CliOptions.Model("A GPT-2 folder (e.g. from `atlas init-model`; GPT-2 small shape for the issue's figure).");
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 16, Description = "Tokens per prompt." };
        var batch = new Option<int?>("--batch") { Description = "Patched runs per batched forward pass (default: PatchingWork's choice)." };
        var torch = new Option<bool>("--torch") { Description = "Also time the grid in PyTorch (Debian python3-torch, 2 threads) and report the ratio." };
        var json = CliOptions.Json();
        var command = new Command("patch", "Exact activation patching of a token pair: seconds per grid vs PyTorch.") { model, tokens, batch, torch, json };
        command.SetAction(parse =>
        {
            var t = parse.GetValue(tokens);
            if (t < 3) throw new UsageException("--tokens must be at least 3.");
            var gpt2 = Gpt2Model.Load(parse.GetValue(model)!);
            if (t > gpt2.Config.Positions) throw new UsageException($"--tokens {t} exceeds the model's n_positions {gpt2.Config.Positions}.");
            var vocab = gpt2.Config.Vocab;
            var clean = Enumerable.Range(0, t).Select(i => (int)(CounterRandom.Uniform(11, (ulong)i) * (vocab - 1))).ToArray();
            var corrupted = clean.ToArray();
            corrupted[1] = (clean[1] + 1) % vocab;
            corrupted[t / 2] = (clean[t / 2] + 7) % vocab;
            int target = Math.Min(262, vocab - 1), distractor = Math.Min(13, vocab - 2);

            var warm = PatchingWork.Prepare(gpt2, clean, corrupted, target, distractor);
            warm.RunCells(0, Math.Min(warm.CellCount, warm.BatchSize), new float[warm.CellCount]);
            var start = Stopwatch.GetTimestamp();
            var work = PatchingWork.Prepare(gpt2, clean, corrupted, target, distractor);
            if (parse.GetValue(batch) is { } b) work.BatchSize = b;
            var values = new float[work.CellCount];
            work.RunCells(0, work.CellCount, values);
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var report = new JsonObject
            {
                ["model"] = gpt2.Name, ["layers"] = gpt2.Config.Layers, ["d_model"] = gpt2.Config.DModel, ["tokens"] = t,
                ["threads"] = Sgemm.Parallelism, ["gemm_path"] = Sgemm.ActivePath.ToString(), ["batch"] = work.BatchSize,
                ["cells"] = work.CellCount, ["seconds"] = seconds, ["cells_per_second"] = work.CellCount / seconds,
                ["load_average"] = LoadAverage(),
            };
            if (parse.GetValue(torch))
            {
                var reference = RunTorch(parse.GetValue(model)!, clean, corrupted, target, distractor);
                var theirs = reference["values"]!.AsArray().Select(v => (double)v!).ToArray();
                reference.Remove("values");
                report["torch"] = reference;
                report["vs_torch"] = (double)reference["seconds"]! / seconds;
                report["max_abs_difference"] = theirs.Length == values.Length ? theirs.Select((v, i) => Math.Abs(v - values[i])).Max() : double.NaN;
            }
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else BenchReport.Print(report);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The 1-minute load average (the machine is shared; absolute figures move with it, ratios less).</summary>
    internal static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static JsonObject RunTorch(string modelDir, int[] clean, int[] corrupted, int target, int distractor)
    {
        return ReferenceScripts.RunPeer("torch_patch_bench.py",
        [
            "--model", modelDir, "--clean", string.Join(',', clean), "--corrupted", string.Join(',', corrupted),
            "--target", $"{target}", "--distractor", $"{distractor}", "--threads", "2",
        ]);
    }
}
