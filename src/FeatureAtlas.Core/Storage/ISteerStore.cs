namespace FeatureAtlas.Core.Storage;

/// <summary>Saved steering runs (each a permanent share link and the cache of its settings) and users' steering vectors.</summary>
public interface ISteerStore
{
    /// <summary>A saved run by its share id; null when there is none.</summary>
    Task<SteerRunRecord?> GetSteerRunAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a run unless one with the same id (the same settings hash) is already saved; returns the saved one
    /// either way, so two identical requests finishing together keep one row.
    /// </summary>
    Task<SteerRunRecord> SaveSteerRunAsync(SteerRunRecord run, CancellationToken cancellationToken);

    /// <summary>Saves a user's vector and returns it with its new id.</summary>
    Task<SteerVectorRecord> SaveSteerVectorAsync(SteerVectorRecord vector, CancellationToken cancellationToken);

    /// <summary>A saved vector by id; null when there is none.</summary>
    Task<SteerVectorRecord?> GetSteerVectorAsync(int id, CancellationToken cancellationToken);

    /// <summary>A user's saved vectors, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<SteerVectorRecord>> ListSteerVectorsAsync(int userId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a saved vector its owner (or an admin) names; false when there is none. Throws
    /// <see cref="Community.ForbiddenException"/> when it is someone else's.
    /// </summary>
    Task<bool> DeleteSteerVectorAsync(Community.Actor actor, int id, CancellationToken cancellationToken);
}
