namespace FeatureAtlas.TestSupport;

/// <summary>Locates golden files copied next to the test assembly from tests/reference/golden.</summary>
public static class Golden
{
    public static string Path(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "golden", name);
        Assert.True(File.Exists(path), $"Golden file {path} is missing; regenerate it with the scripts in tests/reference/.");
        return path;
    }

    /// <summary>The repository root (the folder holding FeatureAtlas.slnx).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FeatureAtlas.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("FeatureAtlas.slnx not found above the test folder.");
    }
}
