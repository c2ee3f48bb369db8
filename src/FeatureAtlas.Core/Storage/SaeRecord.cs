using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// An SAE as the store knows it: name unique within its model, hook, layer (−1 for embeddings), widths (d_in 0
/// when unknown, for dashboards imported without weights), cfg.json, and its Neuronpedia source set (null: not chosen,
/// named after the hook kind; on an upsert, null keeps the set chosen before).
/// </summary>
public sealed record SaeRecord(string Model, string Name, string? Path, string HookName, int Layer, int DIn, int DSae, string Architecture, string CfgJson, string? SetName = null)
{
    /// <summary>The record of a loaded SAE of <paramref name="model"/>, read from <paramref name="directory"/> (stored as a full path).</summary>
    public static SaeRecord Of(string model, SparseAutoencoder sae, string? directory, string? setName = null) =>
        new(model, sae.Name, directory is null ? null : System.IO.Path.GetFullPath(directory), sae.HookName, sae.Config.Layer,
            sae.DIn, sae.DSae, sae.Config.Architecture.ToString().ToLowerInvariant(), sae.Config.Json.ToJsonString(), setName);
}
