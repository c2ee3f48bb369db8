using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>umap</c>: our UMAP and umap-learn (tests/reference/umap_reference.py, Debian's umap-learn)
/// on the same SYNTHETIC matrix (<see cref="SyntheticDirections"/>: a mixture of directions standing in for a
/// decoder), with both trustworthiness values (k = 15; ours on all rows for both embeddings, sklearn's on a
/// shared subsample) and both times, and the ratios. Ours runs before and after the reference so both see the
/// same machine load; the faster of our two runs counts. Goal: trust ≥ umap-learn's − 0.02, time ≤ umap-learn's.
/// With <c>--saes K</c> (K ≥ 2) it times instead what <c>atlas umap --sae A --sae B …</c> does: K synthetic matrices
/// (seeds seed, seed + 1, …) each embedded alone, then all K concatenated as one joint UMAP, with each embedding's
/// trustworthiness; no umap-learn.
/// </summary>
internal static class UmapBench
{
    public static Command Create()
    {
        var features = new Option<int>("--features") { DefaultValueFactory = _ => 24_576, Description = "Rows of the synthetic matrix (d_sae)." };
        var dIn = new Option<int>("--d-in") { DefaultValueFactory = _ => 768, Description = "Columns (d_in)." };
        var clusters = new Option<int>("--clusters") { DefaultValueFactory = _ => 256, Description = "Directions in the mixture." };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0, Description = "Seed of the matrix and of our UMAP." };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip umap-learn (ours only)." };
        var referenceSeed = new Option<int?>("--reference-seed") { Description = "Give umap-learn a random_state (deterministic, single-threaded layout); default: none, its fastest setting." };
        var exactBelow = new Option<int>("--exact-below") { DefaultValueFactory = _ => new UmapOptions().ExactNeighborsBelow, Description = "Exact kNN (GEMM) below this many rows, NN-descent from there." };
        var keep = new Option<string?>("--keep") { Description = "Folder to keep the matrix and both embeddings in (.npy)." };
        var saes = new Option<int>("--saes") { DefaultValueFactory = _ => 1, Description = "2 or more: that many matrices, each mapped alone and all as one joint map (times both; no umap-learn)." };
        var json = CliOptions.Json();
        var command = new Command("umap", "UMAP trustworthiness and time vs umap-learn on a synthetic 24,576 × 768 decoder-like matrix; with --saes K, K separate maps vs one joint map.")
        {
            features, dIn, clusters, seed, noReference, referenceSeed, exactBelow, keep, saes, json,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(features), d = parse.GetValue(dIn), c = parse.GetValue(clusters);
            if (n < 64 || d <= 0 || c <= 0) throw new UsageException("--features must be at least 64, --d-in and --clusters positive.");
            var k = parse.GetValue(saes);
            if (k < 1) throw new UsageException($"--saes must be at least 1; got {k}.");
            if (k > 1)
            {
                var joint = RunJoint(n, d, c, k, parse.GetValue(seed), parse.GetValue(exactBelow));
                if (parse.GetValue(json)) Console.WriteLine(joint.ToJsonString());
                else BenchReport.Print(joint);
                return ExitCodes.Success;
            }
            var folder = parse.GetValue(keep) ?? Path.Combine(Path.GetTempPath(), $"atlas-bench-umap-{Environment.ProcessId}");
            Directory.CreateDirectory(folder);
            try
            {
                var report = Run(n, d, c, parse.GetValue(seed), parse.GetValue(exactBelow), !parse.GetValue(noReference), parse.GetValue(referenceSeed), folder);
                if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
                else BenchReport.Print(report);
            }
            finally
            {
                if (parse.GetValue(keep) is null) Directory.Delete(folder, recursive: true);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject Run(int n, int d, int clusters, ulong seed, int exactBelow, bool reference, int? referenceSeed, string folder)
    {
        var (matrix, _) = SyntheticDirections.Create(n, d, clusters, seed);
        var input = Path.Combine(folder, "matrix.npy");
        NpyFile.Write(input, matrix, n, d);
        var options = new UmapOptions { Seed = seed, ExactNeighborsBelow = exactBelow };

        // Warm-up on a small slice, so JIT compilation is not timed (the reference warms numba the same way).
        Umap.Embed(matrix.AsSpan(0, Math.Min(n, 600) * d), Math.Min(n, 600), d, options);

        var stages = new StageTimer();
        var (first, result) = Time(() => Umap.Embed(matrix, n, d, options, stages));
        var ours = Path.Combine(folder, "ours.npy");
        NpyFile.Write(ours, result.Coordinates, n, 2);
        var report = new JsonObject
        {
            ["matrix"] = $"SYNTHETIC mixture of {clusters} directions (SyntheticDirections, seed {seed})",
            ["n"] = n,
            ["d"] = d,
            ["threads"] = Sgemm.Parallelism,
            ["initialization"] = result.Initialization,
            ["stages_s"] = stages.Report(),
        };

        JsonObject? python = null;
        if (reference)
        {
            var embeddingPath = Path.Combine(folder, "umap_learn.npy");
            python = RunReference(input, embeddingPath, ours, referenceSeed);
            var (second, again) = Time(() => Umap.Embed(matrix, n, d, options));
            report["time_s"] = Math.Min(first, second);
            report["time_runs_s"] = new JsonArray(first, second);
            report["deterministic"] = again.Coordinates.AsSpan().SequenceEqual(result.Coordinates);
            var (theirs, rows, columns) = NpyFile.Read(embeddingPath);
            if (rows != n || columns != 2) throw new InvalidDataException($"{embeddingPath}: expected [{n}, 2], found [{rows}, {columns}].");
            report["trustworthiness"] = Trustworthiness.Compute(matrix, n, d, result.Coordinates);
            report["umap_learn_trustworthiness"] = Trustworthiness.Compute(matrix, n, d, theirs);
            report["umap_learn_time_s"] = (double)python["time_s"]!;
            report["trust_minus_umap_learn"] = (double)report["trustworthiness"]! - (double)report["umap_learn_trustworthiness"]!;
            report["time_vs_umap_learn"] = (double)report["time_s"]! / (double)python["time_s"]!;
            report["sklearn_trust_sample"] = python["sample"]!.DeepClone();
            report["sklearn_trust_ours"] = python["compare_trust_sklearn_sample"]!.DeepClone();
            report["sklearn_trust_umap_learn"] = python["trust_sklearn_sample"]!.DeepClone();
            report["umap_learn"] = python;
        }
        else
        {
            report["time_s"] = first;
            report["trustworthiness"] = Trustworthiness.Compute(matrix, n, d, result.Coordinates);
        }
        return report;
    }

    /// <summary>
    /// K matrices mapped one by one and then together (as <see cref="Jobs.JointUmapJob"/> does, on their
    /// concatenation); the joint map does more than K separate ones (K·n points share one kNN graph and one layout),
    /// so the report states its time as a ratio to theirs, measured in the same run.
    /// </summary>
    private static JsonObject RunJoint(int n, int d, int clusters, int k, ulong seed, int exactBelow)
    {
        var matrices = Enumerable.Range(0, k).Select(i => SyntheticDirections.Create(n, d, clusters, seed + (ulong)i).Vectors).ToArray();
        var options = new UmapOptions { Seed = seed, ExactNeighborsBelow = exactBelow };
        Umap.Embed(matrices[0].AsSpan(0, Math.Min(n, 600) * d), Math.Min(n, 600), d, options);   // JIT warm-up, untimed

        var separate = new JsonArray();
        var separateTrust = new JsonArray();
        var total = 0.0;
        foreach (var matrix in matrices)
        {
            var (seconds, result) = Time(() => Umap.Embed(matrix, n, d, options));
            total += seconds;
            separate.Add(seconds);
            separateTrust.Add(Trustworthiness.Compute(matrix, n, d, result.Coordinates));
        }
        var all = new float[(long)k * n * d];
        for (var i = 0; i < k; i++) matrices[i].CopyTo(all.AsSpan(i * n * d));
        var stages = new StageTimer();
        var (joint, embedding) = Time(() => Umap.Embed(all, k * n, d, options, stages));
        return new JsonObject
        {
            ["matrix"] = $"{k} SYNTHETIC mixtures of {clusters} directions (SyntheticDirections, seeds {seed}..{seed + (ulong)k - 1})",
            ["saes"] = k,
            ["n"] = n,
            ["d"] = d,
            ["threads"] = Sgemm.Parallelism,
            ["time_separate_s"] = total,
            ["time_each_s"] = separate,
            ["time_joint_s"] = joint,
            ["joint_vs_separate"] = joint / total,
            ["joint_stages_s"] = stages.Report(),
            ["joint_initialization"] = embedding.Initialization,
            ["trustworthiness_each"] = separateTrust,
            ["trustworthiness_joint"] = Trustworthiness.Compute(all, k * n, d, embedding.Coordinates),
        };
    }

    /// <summary>Seconds from the start to the last report of each stage (reports arrive on the calling thread).</summary>
    private sealed class StageTimer : IProgress<UmapProgress>
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly Dictionary<string, double> _ends = [];

        public void Report(UmapProgress value) => _ends[value.Stage] = Stopwatch.GetElapsedTime(_start).TotalSeconds;

        public JsonObject Report()
        {
            var result = new JsonObject();
            foreach (var (stage, seconds) in _ends) result[stage] = seconds;
            return result;
        }
    }

    private static (double Seconds, T Result) Time<T>(Func<T> action)
    {
        var start = Stopwatch.GetTimestamp();
        var result = action();
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, result);
    }

    private static JsonObject RunReference(string input, string output, string compare, int? seed)
    {
        var script = ReferenceScripts.Find("umap_reference.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, "--input", input, "--output", output, "--compare", compare }) start.ArgumentList.Add(arg);
        if (seed is { } s)
        {
            start.ArgumentList.Add("--seed");
            start.ArgumentList.Add($"{s}");
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"umap_reference.py failed (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()} (is Debian's umap-learn installed?)");
        }
        return JsonNode.Parse(stdout.Trim().Split('\n').Last())!.AsObject();
    }
}
