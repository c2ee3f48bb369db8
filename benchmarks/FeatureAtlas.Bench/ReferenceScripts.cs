using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FeatureAtlas.Bench;

/// <summary>Finds tests/reference scripts above the current folder, and the Python that runs them ($ATLAS_PYTHON, else Debian's).</summary>
internal static class ReferenceScripts
{
    public static string Python => Environment.GetEnvironmentVariable("ATLAS_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string Find(string name)
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

    /// <summary>
    /// Runs a PyTorch peer script with <paramref name="arguments"/> and returns the JSON object on its last output line.
    /// The peer gets the OPENBLAS_CORETYPE of this CPU's widest vector unit unless the environment sets one (Debian's
    /// OpenBLAS 0.3.21 does not know recent CPUs and would fall back to its slow generic kernel): SapphireRapids with
    /// AVX-512, Haswell with AVX2.
    /// </summary>
    public static JsonObject RunPeer(string script, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE")) && OpenBlasCoreType() is { } core) start.Environment["OPENBLAS_CORETYPE"] = core;
        start.ArgumentList.Add(Find(script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()} (is python3-torch installed?)");
        }
        return JsonNode.Parse(stdout.Trim().Split('\n').Last())!.AsObject();
    }

    private static string? OpenBlasCoreType() =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "SapphireRapids" : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "Haswell" : null;
}
