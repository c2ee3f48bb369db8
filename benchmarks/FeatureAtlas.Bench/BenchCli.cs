using System.CommandLine;
using FeatureAtlas.Cli;

namespace FeatureAtlas.Bench;

/// <summary>
/// The bench tool: engine speed against references measured in the same run (PyTorch, OpenBLAS, umap-learn, wrk).
/// Not part of <c>atlas</c>; run it with <c>dotnet run --project benchmarks/FeatureAtlas.Bench -c Release -- forward …</c>.
/// Exit codes and error lines as <c>atlas</c>'s.
/// </summary>
public static class BenchCli
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FeatureAtlas benchmarks: measure engine speed against references in the same run.");
        root.Subcommands.Add(ForwardBench.Create());
        root.Subcommands.Add(DashboardsBench.Create());
        root.Subcommands.Add(SearchBench.Create());
        root.Subcommands.Add(ExplainBench.Create());
        root.Subcommands.Add(WebBench.Create());
        root.Subcommands.Add(UmapBench.Create());
        root.Subcommands.Add(SimilarBench.Create());
        root.Subcommands.Add(TrainSaeBench.Create());
        root.Subcommands.Add(TrainLmBench.Create());
        root.Subcommands.Add(GenerateBench.Create());
        root.Subcommands.Add(PatchBench.Create());
        root.Subcommands.Add(LensBench.Create());
        root.Subcommands.Add(GraphBench.Create());
        return root;
    }

    public static int Run(string[] args) => AtlasCli.Run(BuildRoot(), args, "atlas-bench");
}
