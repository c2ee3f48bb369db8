using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>lens</c>: p50 and best seconds of the logit lens (top 5 per layer × position) and of "why this token"
/// attribution (components, act × grad, exact effects of the top 20 by ablation, and the features of any --sae) on a
/// --tokens prompt of seeded random ids, over --reps runs after a warm-up.
/// The figure it protects: p50 &lt; 0.5 s each for 64 tokens on GPT-2 small shape on the 2-core machine (issue 17).
/// </summary>
internal static class LensBench
{
    public static Command Create()
    {
        var model = CliOptions.Model("A GPT-2 folder (e.g. from `atlas init-model`; GPT-2 small shape for the issue's figure).");
        var saes = new Option<string[]>("--sae") { Description = "SAE folders whose features attribution also reads; repeatable." };
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 64, Description = "Prompt tokens." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 5, Description = "Timed runs of each (the median and best are reported)." };
        var json = CliOptions.Json();
        var command = new Command("lens", "Logit lens and logit attribution p50 seconds on one prompt.") { model, saes, tokens, reps, json };
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
            var report = new JsonObject
            {
                ["model"] = gpt2.Name, ["layers"] = gpt2.Config.Layers, ["d_model"] = gpt2.Config.DModel, ["tokens"] = t, ["reps"] = r,
                ["saes"] = session.Saes.Count, ["threads"] = Sgemm.Parallelism, ["gemm_path"] = Sgemm.ActivePath.ToString(),
                ["load_average"] = PatchBench.LoadAverage(),
                ["lens"] = Time(r, () => LogitLens.Run(gpt2, prompt, 5)),
                ["attribute"] = Time(r, () => LogitAttribution.Explain(gpt2, session.Saes, prompt, target, distractor)),
            };
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else BenchReport.Print(report);
            return ExitCodes.Success;
        });
        return command;
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
