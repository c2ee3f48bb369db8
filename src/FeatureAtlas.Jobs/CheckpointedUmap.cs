using System.Runtime.InteropServices;
using System.Text;
using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>
/// UMAP's stages with checkpoints, shared by <see cref="UmapJob"/> (one SAE) and <see cref="JointUmapJob"/> (several):
/// the kNN graph and the starting layout are checkpointed when done, the layout's state every interval and on
/// cancellation (temp file, then rename), so a stopped run started again with the same key continues and ends
/// with exactly the coordinates of an uninterrupted run. The caller deletes the checkpoint once the map is stored.
/// </summary>
internal static class CheckpointedUmap
{
    private const string Magic = "FeatureAtlas umap checkpoint v1";

    /// <summary>
    /// The embedding [n, 2] of the unit rows [n, d] that <paramref name="unitRows"/> makes (called only when the
    /// checkpoint at <paramref name="checkpoint"/>, written for <paramref name="key"/>, has no kNN graph yet).
    /// </summary>
    public static UmapResult Run(Func<float[]> unitRows, int n, int d, string checkpoint, string key, UmapOptions umap, TimeSpan interval,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        var state = File.Exists(checkpoint) ? Restore(checkpoint, key) : new State();
        if (state.Knn is null)
        {
            var report = progress is null ? null : new Forward(progress);
            state.Knn = Umap.Neighbors(unitRows(), n, d, umap, report);
            Write(checkpoint, key, state, null);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var graph = Umap.Graph(state.Knn, umap);
        if (state.Initial is null)
        {
            progress?.Report(new JobProgress("init", 0, 1));
            (state.Initial, state.Initialization) = Umap.Initialize(graph, umap);
            Write(checkpoint, key, state, null);
        }
        var optimizer = new UmapOptimizer(graph, state.Initial, umap);
        if (state.Layout is { } saved)
        {
            using var reader = new BinaryReader(new MemoryStream(saved));
            optimizer.Restore(reader);
        }

        var lastCheckpoint = DateTime.UtcNow;
        try
        {
            while (!optimizer.IsDone)
            {
                progress?.Report(new JobProgress("epochs", optimizer.Epoch, optimizer.Epochs));
                optimizer.Run(5, cancellationToken);
                if (DateTime.UtcNow - lastCheckpoint >= interval)
                {
                    Write(checkpoint, key, state, optimizer);
                    lastCheckpoint = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Write(checkpoint, key, state, optimizer);
            throw;
        }
        progress?.Report(new JobProgress("epochs", optimizer.Epoch, optimizer.Epochs));
        return new UmapResult(n, optimizer.Embedding, state.Initialization!);
    }

    private sealed class State
    {
        public KnnGraph? Knn;
        public float[]? Initial;
        public string? Initialization;
        public byte[]? Layout;
    }

    private sealed class Forward(IProgress<JobProgress> inner) : IProgress<UmapProgress>
    {
        public void Report(UmapProgress value) => inner.Report(new JobProgress(value.Stage, value.Done, value.Total));
    }

    private static void Write(string path, string key, State state, UmapOptimizer? optimizer)
    {
        if (optimizer is not null)
        {
            using var buffer = new MemoryStream();
            using (var layout = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) optimizer.Save(layout);
            state.Layout = buffer.ToArray();
        }
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            var knn = state.Knn!;
            writer.Write(knn.Points);
            writer.Write(knn.K);
            writer.Write(MemoryMarshal.AsBytes(knn.Indices.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(knn.Distances.AsSpan()));
            writer.Write(state.Initial is not null);
            if (state.Initial is not null)
            {
                writer.Write(state.Initialization!);
                writer.Write(MemoryMarshal.AsBytes(state.Initial.AsSpan()));
            }
            writer.Write(state.Layout?.Length ?? 0);
            if (state.Layout is not null) writer.Write(state.Layout);
        });
    }

    private static State Restore(string path, string key) =>
        JobCheckpoint.Read(path, Magic, key, "this job", reader =>
        {
            int n = reader.ReadInt32(), k = reader.ReadInt32();
            var indices = new int[n * k];
            var distances = new float[n * k];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(indices.AsSpan()));
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(distances.AsSpan()));
            var state = new State { Knn = new KnnGraph(n, k, indices, distances) };
            if (reader.ReadBoolean())
            {
                state.Initialization = reader.ReadString();
                state.Initial = new float[n * 2];
                reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(state.Initial.AsSpan()));
            }
            var layout = reader.ReadInt32();
            if (layout > 0) state.Layout = reader.ReadBytes(layout);
            return state;
        });
}
