using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Core.Training;
using Spectre.Console;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>train-lm</c>: training tokens/s of one language-model step (recorded forward, cross-entropy, the backward pass with
/// parameter gradients, clipping, AdamW) of a GPT-2 with GPT-2's vocabulary on random token ids (labelled synthetic: the
/// step's cost does not depend on them), best of --reps after a warm-up; with --torch, the same model, batch and optimiser
/// in PyTorch (tests/reference/torch_trainlm_bench.py, 2 threads) right after ours in the same run, and the ratio. The
/// PyTorch peer gets the OPENBLAS_CORETYPE that ReferenceScripts.RunPeer picks for this CPU unless the environment sets one (Debian's OpenBLAS 0.3.21 does not
/// know this CPU and would run its SSE3 kernels); the kernel that ran is reported. The figure it protects: ≥ 1.5×
/// PyTorch's tokens/s (issue 18) at the demo model's shape (4 layers, d_model 128, ctx 127, batch 8).
/// </summary>
internal static class TrainLmBench
{
    public static Command Create()
    {
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 4, Description = "Transformer blocks." };
        var dModel = new Option<int>("--d-model") { DefaultValueFactory = _ => 128, Description = "Residual width (d_mlp 4×)." };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4, Description = "Attention heads." };
        var ctx = new Option<int>("--ctx") { DefaultValueFactory = _ => 127, Description = "Tokens per sequence." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 8, Description = "Sequences per step." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 3, Description = "Timed steps (the best counts)." };
        var torch = new Option<bool>("--torch") { Description = "Also time PyTorch's step (Debian python3-torch, 2 threads) and report the ratio." };
        var json = CliOptions.Json();
        var command = new Command("train-lm", "GPT-2 language-model training tokens/s on synthetic tokens, vs PyTorch.") { layers, dModel, heads, ctx, batch, reps, torch, json };
        command.SetAction(parse =>
        {
            var (l, d, h, t, b, r) = (parse.GetValue(layers), parse.GetValue(dModel), parse.GetValue(heads), parse.GetValue(ctx), parse.GetValue(batch), parse.GetValue(reps));
            if (l <= 0 || d <= 0 || h <= 0 || t <= 0 || b <= 0 || r <= 0) throw new UsageException("--layers, --d-model, --heads, --ctx, --batch and --reps must be positive.");
            if (d % h != 0) throw new UsageException($"--d-model {d} is not divisible by --heads {h}.");
            var config = new Gpt2Config { Layers = l, DModel = d, Heads = h, Positions = t + 1, Vocab = 50257, DMlp = 4 * d };
            var ours = Measure(config, t, b, r);
            var report = new JsonObject
            {
                ["synthetic"] = true, ["layers"] = l, ["d_model"] = d, ["heads"] = h, ["ctx"] = t, ["batch"] = b,
                ["threads"] = Sgemm.Parallelism, ["gemm_path"] = Sgemm.ActivePath.ToString(),
                ["seconds_per_step"] = ours, ["tokens_per_second"] = b * t / ours,
            };
            if (parse.GetValue(torch))
            {
                var reference = RunTorch(l, d, h, t, b, r);
                report["torch"] = reference;
                report["vs_torch"] = b * t / ours / (double)reference["tokens_per_second"]!;
            }
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else Print(report);
            return ExitCodes.Success;
        });
        return command;
    }

    private static double Measure(Gpt2Config config, int ctx, int batch, int reps)
    {
        var folder = Directory.CreateTempSubdirectory("atlas-bench-lm-").FullName;
        Gpt2Weights weights;
        try
        {
            Gpt2Initializer.Write(folder, config, seed: 0);
            weights = Gpt2Model.Load(folder).Weights;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        var trainer = LanguageModelTrainer.Create(weights, new LanguageModelTrainingOptions { Steps = reps + 1, LearningRate = 3e-3f });
        var random = new Random(0);
        var tokens = Enumerable.Range(0, batch * (ctx + 1)).Select(_ => random.Next(config.Vocab)).ToArray();
        trainer.TrainStep(tokens, batch);   // warm-up: JIT, pooled GEMM buffers
        var best = double.MaxValue;
        for (var i = 0; i < reps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            trainer.TrainStep(tokens, batch);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    private static JsonObject RunTorch(int layers, int dModel, int heads, int ctx, int batch, int reps)
    {
        return ReferenceScripts.RunPeer("torch_trainlm_bench.py",
        [
            "--layers", $"{layers}", "--d-model", $"{dModel}", "--heads", $"{heads}",
            "--ctx", $"{ctx}", "--batch", $"{batch}", "--threads", "2", "--reps", $"{reps}",
        ]);
    }

    private static void Print(JsonObject report)
    {
        AnsiConsole.MarkupLine($"GPT-2 training step: {report["layers"]} layers, d_model {report["d_model"]}, ctx {report["ctx"]}, batch {report["batch"]}, vocab 50,257, " +
            $"{report["threads"]} threads ({report["gemm_path"]}), synthetic tokens");
        var table = new Table().AddColumns("", "tokens/s", "s/step");
        table.AddRow("FeatureAtlas", $"{(double)report["tokens_per_second"]!:N0}", $"{(double)report["seconds_per_step"]!:F3}");
        if (report["torch"] is JsonObject t)
        {
            table.AddRow(Markup.Escape($"PyTorch {t["torch_version"]} (OpenBLAS {t["openblas_core"]})"), $"{(double)t["tokens_per_second"]!:N0}", $"{(double)t["seconds_per_step"]!:F3}");
            table.AddRow("ratio", $"{(double)report["vs_torch"]!:F2}×", "");
        }
        AnsiConsole.Write(table);
    }
}
