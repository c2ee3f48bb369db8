using System.Text.Json;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The live SAE's map and neighbours for the map tests: <see cref="RunUmapAsync"/> runs the job <c>atlas umap</c>
/// runs, through the app's own store; <see cref="BruteForceSimilar"/> ranks features by decoder cosine the slow,
/// obvious way (double precision, every pair), from W_dec as it lies in the SAE's safetensors file.
/// </summary>
public static class LiveMaps
{
    public static Task RunUmapAsync(LiveAtlasApp app) => UmapJob.RunAsync(new UmapJobOptions
    {
        Model = LiveAtlasApp.LiveModel,
        Sae = LiveAtlasApp.LiveSae,
        CheckpointDirectory = Path.Combine(Path.GetDirectoryName(app.SaeDirectory)!, "umap-checkpoints"),
    }, app.Store.Models, app.Store.Umaps, progress: null, CancellationToken.None);

    /// <summary>W_dec [S, I] of the SAE in <paramref name="directory"/>, row by row.</summary>
    public static double[][] DecoderRows(string directory)
    {
        var sae = SparseAutoencoder.Load(directory);
        var wDec = sae.Parameters.WDec;
        return Enumerable.Range(0, sae.DSae).Select(i => wDec.AsSpan(i * sae.DIn, sae.DIn).ToArray().Select(v => (double)v).ToArray()).ToArray();
    }

    public static double Cosine(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Every other feature of the SAE by cosine to <paramref name="index"/>, best first (ties to the lower index).</summary>
    public static (int Index, double Cosine)[] BruteForceSimilar(string directory, int index)
    {
        var rows = DecoderRows(directory);
        return Enumerable.Range(0, rows.Length).Where(j => j != index)
            .Select(j => (Index: j, Cosine: Cosine(rows[index], rows[j])))
            .OrderByDescending(p => p.Cosine).ThenBy(p => p.Index).ToArray();
    }

    /// <summary>The first list of a /similar answer (the feature's own SAE) as (layer, index, cosine).</summary>
    public static (string Layer, int Index, float Cosine)[] OwnSaeList(JsonElement similar)
    {
        var own = similar.GetProperty("saes")[0];
        return own.GetProperty("features").EnumerateArray()
            .Select(f => (own.GetProperty("layer").GetString()!, f.GetProperty("index").GetInt32(), f.GetProperty("cosine").GetSingle())).ToArray();
    }
}
