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
    /// The peer gets OPENBLAS_CORETYPE=SapphireRapids unless the environment sets it (Debian's OpenBLAS 0.3.21 does not
    /// know this CPU and would fall back to its slow generic kernel).
    /// </summary>
    public static JsonObject RunPeer(string script, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE"))) start.Environment["OPENBLAS_CORETYPE"] = "SapphireRapids";
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
}
