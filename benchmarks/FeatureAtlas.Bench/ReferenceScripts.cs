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
}
