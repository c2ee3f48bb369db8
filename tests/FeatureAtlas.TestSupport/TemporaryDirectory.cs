namespace FeatureAtlas.TestSupport;

/// <summary>A fresh folder under the system temp folder, deleted (best effort) on Dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory(string prefix = "atlas-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    /// <summary>A path inside this folder (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies every file of <paramref name="source"/> (no subfolders) into a new folder <paramref name="name"/> here.</summary>
    public string CopyFolder(string source, string name)
    {
        var destination = Combine(name);
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, System.IO.Path.Combine(destination, System.IO.Path.GetFileName(file)));
        return destination;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
