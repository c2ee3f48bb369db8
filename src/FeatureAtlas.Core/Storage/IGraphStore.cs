using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// Stored attribution graphs (circuit-tracer / Neuronpedia graph JSON), one per (model, slug). The JSON is kept as given
/// (compressed when large) and read back byte for byte.
/// </summary>
public interface IGraphStore
{
    /// <summary>
    /// Stores a graph in one transaction; <see cref="GraphRecord.OwnerName"/>, <see cref="GraphRecord.JsonBytes"/> and the
    /// time are filled in. A slug the model already has raises <see cref="GraphSlugTakenException"/> and stores nothing.
    /// </summary>
    Task<GraphRecord> SaveGraphAsync(GraphRecord graph, ReadOnlyMemory<byte> json, CancellationToken cancellationToken);

    Task<GraphRecord?> GetGraphAsync(string model, string slug, CancellationToken cancellationToken);

    /// <summary>The graph JSON as stored (UTF-8, decompressed); null when there is no such graph.</summary>
    Task<byte[]?> GetGraphJsonAsync(string model, string slug, CancellationToken cancellationToken);

    /// <summary>The newest graphs first, optionally one user's and one model's, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<GraphRecord>> ListGraphsAsync(int? userId, string? model, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes a graph its owner (or an admin) asks to delete; false when there is none, 403 for someone else's.</summary>
    Task<bool> DeleteGraphAsync(Actor actor, string model, string slug, CancellationToken cancellationToken);
}
