using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FeatureAtlas.Jobs;

/// <summary>
/// What the resumable jobs share about checkpoints: a key hashing everything a job's result depends on, so a
/// checkpoint is only resumed by the same job, and a binary file (magic, key, then the job's state) written to a
/// temporary file, flushed to disk and renamed over the last one, so a crash never leaves half a checkpoint.
/// </summary>
internal static class JobCheckpoint
{
    /// <summary>The first 12 bytes of the SHA-256 of <paramref name="identity"/> as JSON, in lowercase hex.</summary>
    public static string Key(object identity) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(identity))), 0, 12).ToLowerInvariant();

    /// <summary>A file's size and last write time, so a key changes when the file (model or SAE weights) does.</summary>
    public static string Stamp(string file) =>
        File.Exists(file) ? $"{new FileInfo(file).Length}:{File.GetLastWriteTimeUtc(file).Ticks}" : "missing";

    public static void Write(string path, string magic, string key, Action<BinaryWriter> state)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(magic);
                writer.Write(key);
                state(writer);
                writer.Flush();
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Reads the state after the magic and key, with an error naming the file when it belongs to another job
    /// (<paramref name="job"/> describes this one) or is truncated.
    /// </summary>
    public static T Read<T>(string path, string magic, string key, string job, Func<BinaryReader, T> state)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != magic || reader.ReadString() != key) throw new InvalidDataException($"{path} is not a checkpoint of {job}.");
            return state(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Checkpoint {path} is truncated; delete it to start over.", e);
        }
    }
}
