using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FeatureAtlas.Cli.Tests;

/// <summary>
/// A PostgreSQL server of one test's own (.ci/start-postgres.sh with its own folder and a free loopback port), for tests
/// that restart the server under running clients without touching the server the other tests share. It runs where the
/// shared one does (<see cref="TestDatabase.ServerVariable"/> set: the binaries are installed); elsewhere the test is
/// skipped, and under CI=true it fails.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;

    private PrivatePostgres(Dictionary<string, string> environment, string connectionString)
    {
        _environment = environment;
        ConnectionString = connectionString;
    }

    /// <summary>The superuser's connection string to the server's postgres database.</summary>
    public string ConnectionString { get; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(TestDatabase.ServerVariable)))
        {
            // TryCreateAsync fails here under CI=true, and otherwise says there is no server.
            Assert.Null(await TestDatabase.TryCreateAsync(TestDatabase.Postgres));
            Assert.Skip(TestDatabase.MissingServer);
        }
        var environment = new Dictionary<string, string>
        {
            ["ATLAS_PG_DIR"] = Path.Combine(Path.GetTempPath(), "atlas-pg-" + Guid.NewGuid().ToString("N")[..12]),
            ["ATLAS_PG_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var connection = (await RunScriptAsync(environment)).Trim();
        return new PrivatePostgres(environment, connection);
    }

    /// <summary>
    /// Stops the server (fast: every client connection is cut) and starts it again with its data; this process's own
    /// pooled connections, cut too, are dropped.
    /// </summary>
    public async Task RestartAsync()
    {
        await RunScriptAsync(_environment, "restart");
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync() => await RunScriptAsync(_environment, "stop");

    private static async Task<string> RunScriptAsync(Dictionary<string, string> environment, string? command = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Golden.RepositoryRoot(), ".ci", "start-postgres.sh"));
        if (command is not null) start.ArgumentList.Add(command);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"start-postgres.sh {command} exited {process.ExitCode}: {await error}");
        return await output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
