using System.Diagnostics;

namespace FeatureAtlas.Data;

/// <summary>
/// One FeatureAtlas process at a time migrates a SQLite file, and a process that dies while migrating blocks nobody.
/// EF Core's own SQLite migration lock is a row in <c>__EFMigrationsLock</c> with no owner: a process killed while it
/// holds the row (any command's first second or so, since every command migrates) leaves it behind, and EF then waits
/// for it forever. This guard is an exclusive lock on a side file, <c>&lt;db&gt;-migrate.lock</c>, which the operating
/// system drops when its holder exits however it exits (flock on Unix, a share-mode lock on Windows). Every process
/// takes it around EF's migration, so whoever holds it knows no live FeatureAtlas process is inside EF's lock, and a
/// row found there is stale: <see cref="AtlasDatabase.MigrateAsync"/> deletes it. Two live processes starting at once
/// take turns; one that waits longer than the timeout (the other is running a long migration, or hangs) fails with a
/// message saying so. The side file stays (deleting a lock file lets a third process lock a new file while the second
/// still waits on the old one); it is empty and safe to delete when no FeatureAtlas process uses the database.
/// </summary>
internal sealed class SqliteMigrationGuard : IAsyncDisposable
{
    private readonly FileStream _lock;

    private SqliteMigrationGuard(FileStream @lock) => _lock = @lock;

    public static string LockPath(string databasePath) => databasePath + "-migrate.lock";

    /// <summary>Waits up to <paramref name="timeout"/> for the lock on <paramref name="databasePath"/>'s side file.</summary>
    public static async Task<SqliteMigrationGuard> AcquireAsync(string databasePath, string description, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = LockPath(databasePath);
        var watch = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix: a second open, in this process or another, fails at once.
                return new SqliteMigrationGuard(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                if (watch.Elapsed >= timeout)
                {
                    throw new InvalidOperationException(
                        $"{description} is being created or upgraded by another FeatureAtlas process, which still holds '{path}' after {timeout.TotalSeconds:0} s. " +
                        "Wait for that process to finish (or stop it), then run the command again.", e);
                }
            }
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    public ValueTask DisposeAsync() => _lock.DisposeAsync();
}
