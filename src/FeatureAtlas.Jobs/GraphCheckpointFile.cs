using System.Runtime.InteropServices;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// A graph build's checkpoint on disk (<see cref="IGraphCheckpoint"/>): one file per graph, named by a key hashing the
/// model's weights, the transcoders, the prompt's tokens and the options, written every <see cref="Interval"/> and on
/// cancel (atomically: a crash keeps the previous one), and deleted once the graph is built. Building the same graph
/// again on this machine continues where the last build stopped.
/// </summary>
public sealed class GraphCheckpointFile : IGraphCheckpoint
{
    private const string Magic = "FeatureAtlas graph checkpoint v1";
    private readonly string _key;
    private DateTime _lastSave = DateTime.UtcNow;

    private GraphCheckpointFile(string path, string key, TimeSpan interval)
    {
        Path = path;
        _key = key;
        Interval = interval;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Time between saves.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// The checkpoint of the graph of <paramref name="tokens"/> through <paramref name="model"/> and <paramref name="transcoders"/>
    /// with <paramref name="options"/>, in <paramref name="directory"/> (made if missing).
    /// </summary>
    public static GraphCheckpointFile For(string directory, Gpt2Model model, IReadOnlyList<Transcoder> transcoders, ReadOnlySpan<int> tokens, GraphOptions options, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(transcoders);
        ArgumentNullException.ThrowIfNull(options);
        var key = JobCheckpoint.Key(new
        {
            model = model.Directory is null ? model.Name : System.IO.Path.GetFullPath(model.Directory),
            weights = model.Directory is null ? "memory" : JobCheckpoint.Stamp(System.IO.Path.Combine(model.Directory, "model.safetensors")),
            processing = model.Processing.ToString(),
            transcoders = transcoders.Select(t => new { t.Name, t.Layer, weights = t.Directory is null ? "memory" : JobCheckpoint.Stamp(System.IO.Path.Combine(t.Directory, "sae_weights.safetensors")) }),
            tokens = tokens.ToArray(),
            options.MaxLogits, options.DesiredLogitProbability, options.MaxFeatureNodes, options.BatchSize, options.UpdateInterval,
        });
        Directory.CreateDirectory(directory);
        return new GraphCheckpointFile(System.IO.Path.Combine(directory, $"graph-{key}.ckpt"), key, interval);
    }

    public bool Due => DateTime.UtcNow - _lastSave >= Interval;

    public GraphBuildState? Restore() => !File.Exists(Path) ? null : JobCheckpoint.Read(Path, Magic, _key, "this graph", reader =>
    {
        int rows = reader.ReadInt32(), columns = reader.ReadInt32(), visited = reader.ReadInt32(), pending = reader.ReadInt32(), pendingDone = reader.ReadInt32();
        if (rows < 0 || columns < 0 || visited < 0 || pending < 0 || (long)rows * columns > Array.MaxLength)
        {
            throw new InvalidDataException($"Checkpoint {Path} holds an impossible graph state ({rows} rows of {columns}); delete it to start over.");
        }
        var state = new GraphBuildState(rows, columns, new int[rows], new int[rows], new bool[visited], new int[pending], pendingDone, new float[(long)rows * columns]);
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.RowNode.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.RowLayer.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.Visited.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.Pending.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.Edges.AsSpan()));
        return state;
    });

    public void Save(GraphBuildState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        JobCheckpoint.Write(Path, Magic, _key, writer =>
        {
            writer.Write(state.Rows);
            writer.Write(state.Columns);
            writer.Write(state.Visited.Length);
            writer.Write(state.Pending.Length);
            writer.Write(state.PendingDone);
            writer.Write(MemoryMarshal.AsBytes(state.RowNode.AsSpan(0, state.Rows)));
            writer.Write(MemoryMarshal.AsBytes(state.RowLayer.AsSpan(0, state.Rows)));
            writer.Write(MemoryMarshal.AsBytes(state.Visited.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(state.Pending.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(state.Edges.AsSpan(0, state.Rows * state.Columns)));
        });
        _lastSave = DateTime.UtcNow;
    }

    /// <summary>Removes the checkpoint (the graph is built).</summary>
    public void Delete() => File.Delete(Path);
}
