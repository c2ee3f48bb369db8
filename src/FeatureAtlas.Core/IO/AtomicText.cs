namespace FeatureAtlas.Core.IO;

/// <summary>Text files written whole or not at all: a stopped command never leaves half a file where a reader looks.</summary>
public static class AtomicText
{
    /// <summary>Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, then moves it over <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        try
        {
            await File.WriteAllTextAsync(temp, text, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
