using System.Net;
using System.Net.Sockets;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas demo</c> and <c>atlas serve</c> check where they will listen, and the database, before any work: a taken
/// port is one line on stderr with a <c>--urls</c> hint, exit 1, nothing on stdout and nothing built.
/// </summary>
[Collection(CliCollection.Name)]
public class ServeStartupTests
{
    [Fact]
    public void Serve_PortInUse_ExitsOneWithHintBeforeOpeningTheDatabase()
    {
        using var temp = new TemporaryDirectory();
        using var taken = Occupy(out var port);
        var db = temp.Combine("atlas.db");

        var result = CliRunner.Run("serve", "--db", db, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: Cannot listen on http://127.0.0.1:{port}: port {port} is already in use (another atlas serve or demo?). Choose another address with --urls, e.g. --urls http://127.0.0.1:{port + 1}.", line);
        Assert.False(File.Exists(db), "the database is not created when the site cannot listen");
    }

    [Fact]
    public void Demo_PortInUse_ExitsOneBeforeBuildingAnything()
    {
        using var temp = new TemporaryDirectory();
        using var taken = Occupy(out var port);
        var dir = temp.Combine("demo");

        var result = CliRunner.Run("demo", "--dir", dir, "--small", "--urls", $"http://localhost:{port}");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: Cannot listen on http://localhost:{port}: port {port} is already in use", line);
        Assert.Contains("--urls", line);
        Assert.False(Directory.Exists(dir), "no model, corpus or SAE is built when the site could not be served");
    }

    [Fact]
    public void Serve_BadUrls_ExitsOneNamingTheAddress()
    {
        using var temp = new TemporaryDirectory();

        var result = CliRunner.Run("serve", "--db", temp.Combine("atlas.db"), "--urls", "127.0.0.1:5000");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --urls: '127.0.0.1:5000' is not an http:// or https:// address (expected e.g. http://127.0.0.1:5000).", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Serve_UnreachablePostgres_NamesTheServerAndTheCause()
    {
        // A port nobody listens on: taken and released again.
        int port;
        using (Occupy(out port)) { }

        var result = CliRunner.Run("serve", "--db", $"Host=127.0.0.1;Port={port};Username=atlas;Password=secret;Database=atlas", "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: Cannot open PostgreSQL database 'atlas' on 127.0.0.1:{port}: Failed to connect to 127.0.0.1:{port}: Connection refused.", line);
        Assert.DoesNotContain("secret", line);
    }

    private static TcpListener Occupy(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }
}
