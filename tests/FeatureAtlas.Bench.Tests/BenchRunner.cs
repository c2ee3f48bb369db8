// The search test swaps the process's console; the few tests here run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace FeatureAtlas.Bench.Tests;

/// <summary>Runs the bench tool (<see cref="BenchCli.Run"/>) in-process and captures what it prints.</summary>
internal static class BenchRunner
{
    public static CliResult Run(params string[] args) => ConsoleCapture.Run(BenchCli.Run, args);
}
