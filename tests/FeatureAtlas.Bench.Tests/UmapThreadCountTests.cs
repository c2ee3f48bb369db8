namespace FeatureAtlas.Bench.Tests;

/// <summary>The UMAP's promise across machines, through the bench tool's <c>umap --keep</c>: the same seed gives the same map on one core as on four.</summary>
public sealed class UmapThreadCountTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atlas-umap-threads-").FullName;

    [Fact]
    public async Task Umap_OneAndFourCores_SameCoordinates()
    {
        var one = await RunAsync(1);
        var four = await RunAsync(4);
        Assert.Equal(one, four);
    }

    /// <summary>NN-descent path (--exact-below 0), coordinates as the .npy bytes, with the processor count the runtime reports forced.</summary>
    private async Task<byte[]> RunAsync(int processors)
    {
        var keep = Path.Combine(_root, $"p{processors}");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_PROCESSOR_COUNT"] = $"{processors}";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "atlas-bench.dll"));
        foreach (var arg in new[] { "umap", "--features", "700", "--d-in", "24", "--clusters", "7", "--exact-below", "0", "--no-reference", "--keep", keep, "--json" }) start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await error} {output}");
        Assert.Contains($"\"threads\":{processors}", output);
        return await File.ReadAllBytesAsync(Path.Combine(keep, "ours.npy"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
