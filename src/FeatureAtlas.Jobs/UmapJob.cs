using System.Text;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Maps an SAE's decoder directions (unit W_dec rows, cosine) to 2-D with UMAP and stores one (x, y) per feature,
/// resumably: the kNN graph and the starting layout are checkpointed when done, the layout's state every interval
/// and on cancellation (temp file, then rename), so a stopped run started again with the same options continues
/// and ends with exactly the coordinates of an uninterrupted run. The checkpoint goes once the map is stored.
/// </summary>
public static class UmapJob
{
    private const string Magic = "FeatureAtlas umap checkpoint v1";

    public static async Task<UmapResult> RunAsync(UmapJobOptions options, IDashboardStore saes, IUmapStore maps, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(maps);
        options.Umap.Validate();
        var record = await saes.GetSaeAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' is not in the store.");
        if (record.Path is null || !Directory.Exists(record.Path))
        {
            throw new DirectoryNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' has no weights folder on this machine ('{record.Path}'); the map is made from its decoder.");
        }
        var sae = SparseAutoencoder.Load(record.Path);
        int n = sae.DSae, d = sae.DIn;
        var key = JobKey(options, record);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpoint = Path.Combine(options.CheckpointDirectory, $"umap-{key}.ckpt");
        var state = File.Exists(checkpoint) ? Restore(checkpoint, key) : new State();

        if (state.Knn is null)
        {
            var unit = SimilarFeatures.UnitDecoder(sae);
            var report = progress is null ? null : new Forward(progress);
            state.Knn = Umap.Neighbors(unit, n, d, options.Umap, report);
            WriteCheckpoint(checkpoint, key, state, null);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var graph = Umap.Graph(state.Knn, options.Umap);
        if (state.Initial is null)
        {
            progress?.Report(new JobProgress("init", 0, 1));
            (state.Initial, state.Initialization) = Umap.Initialize(graph, options.Umap);
            WriteCheckpoint(checkpoint, key, state, null);
        }
        var optimizer = new UmapOptimizer(graph, state.Initial, options.Umap);
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
                if (DateTime.UtcNow - lastCheckpoint >= options.CheckpointInterval)
                {
                    WriteCheckpoint(checkpoint, key, state, optimizer);
                    lastCheckpoint = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
            WriteCheckpoint(checkpoint, key, state, optimizer);
            throw;
        }
        progress?.Report(new JobProgress("epochs", optimizer.Epoch, optimizer.Epochs));
        progress?.Report(new JobProgress("saving", 0, 1));
        await maps.SaveUmapAsync(options.Model, options.Sae, optimizer.Embedding, cancellationToken).ConfigureAwait(false);
        progress?.Report(new JobProgress("saving", 1, 1));
        File.Delete(checkpoint);
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

    /// <summary>A hash of everything that determines the map, so a checkpoint is only resumed by the same job.</summary>
    private static string JobKey(UmapJobOptions options, SaeRecord sae)
    {
        var stamp = JobCheckpoint.Stamp(Path.Combine(sae.Path!, "sae_weights.safetensors"));
        var identity = new { options.Model, options.Sae, path = Path.GetFullPath(sae.Path!), stamp, umap = options.Umap };
        return JobCheckpoint.Key(identity);
    }

    private static void WriteCheckpoint(string path, string key, State state, UmapOptimizer? optimizer)
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
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(knn.Indices.AsSpan()));
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(knn.Distances.AsSpan()));
            writer.Write(state.Initial is not null);
            if (state.Initial is not null)
            {
                writer.Write(state.Initialization!);
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(state.Initial.AsSpan()));
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
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(indices.AsSpan()));
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(distances.AsSpan()));
            var state = new State { Knn = new KnnGraph(n, k, indices, distances) };
            if (reader.ReadBoolean())
            {
                state.Initialization = reader.ReadString();
                state.Initial = new float[n * 2];
                reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(state.Initial.AsSpan()));
            }
            var layout = reader.ReadInt32();
            if (layout > 0) state.Layout = reader.ReadBytes(layout);
            return state;
        });
}
