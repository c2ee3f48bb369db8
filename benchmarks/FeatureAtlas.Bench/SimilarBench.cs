using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>similar</c>: the top 10 features by decoder cosine for every feature of a SYNTHETIC 24,576 × 768
/// decoder against all 24,576 (exact, blocked GEMM, 64 MiB of similarities at a time), with the bare GEMM over the
/// same blocks timed in the same run as the reference: their ratio is what the top-k selection costs.
/// </summary>
internal static class SimilarBench
{
    public static Command Create()
    {
        var features = new Option<int>("--features") { DefaultValueFactory = _ => 24_576, Description = "Features (d_sae)." };
        var dIn = new Option<int>("--d-in") { DefaultValueFactory = _ => 768, Description = "d_in." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10, Description = "Matches per feature." };
        var json = CliOptions.Json();
        var command = new Command("similar", "All-pairs top-10 decoder cosine search time (24,576²) vs the bare GEMM.") { features, dIn, k, json };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(features), d = parse.GetValue(dIn), top = parse.GetValue(k);
            if (n <= top || d <= 0 || top <= 0) throw new UsageException("--features must exceed --k, and --d-in and --k must be positive.");
            var (matrix, _) = SyntheticDirections.Create(n, d, 256, seed: 0);
            var unit = CosineSearch.Normalize(matrix, n, d);
            var packed = CosineSearch.PackKeys(unit, n, d);
            CosineSearch.TopK(unit.AsSpan(0, 64 * d), 64, packed, top);   // warm-up

            // The same row blocks through the bare GEMM, then the search, then the GEMM again: both see the same load.
            var blockRows = Math.Clamp(CosineSearch.BlockFloats / n, 8, 1024);
            var block = new float[(long)blockRows * n];
            double Gemm()
            {
                var start = Stopwatch.GetTimestamp();
                for (var row0 = 0; row0 < n; row0 += blockRows) Sgemm.Multiply(unit.AsSpan(row0 * d, Math.Min(blockRows, n - row0) * d), packed, block, Math.Min(blockRows, n - row0));
                return Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            var gemmBefore = Gemm();
            var searchStart = Stopwatch.GetTimestamp();
            CosineSearch.TopK(unit, n, packed, top, excludeSelf: true);
            var search = Stopwatch.GetElapsedTime(searchStart).TotalSeconds;
            var gemm = Math.Min(gemmBefore, Gemm());
            var report = new JsonObject
            {
                ["matrix"] = "SYNTHETIC mixture of 256 directions (SyntheticDirections, seed 0)",
                ["features"] = n, ["d_in"] = d, ["k"] = top, ["threads"] = Sgemm.Parallelism,
                ["search_s"] = search, ["gemm_only_s"] = gemm, ["search_vs_gemm"] = search / gemm,
                ["gemm_gflops"] = 2.0 * n * n * d / gemm / 1e9, ["block_rows"] = blockRows,
            };
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else BenchReport.Print(report);
            return ExitCodes.Success;
        });
        return command;
    }
}
