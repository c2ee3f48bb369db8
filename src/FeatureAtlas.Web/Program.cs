using FeatureAtlas.Web;

// `dotnet run --project src/FeatureAtlas.Web -- --db atlas.db [--urls http://127.0.0.1:5000]`; `atlas serve` is the same host.
var options = new AtlasWebOptions
{
    Db = ArgValue(args, "--db") ?? "atlas.db",
    Urls = ArgValue(args, "--urls") ?? "http://127.0.0.1:5000",
};
await using var app = await AtlasWebHost.BuildAsync(options, CancellationToken.None);
await app.RunAsync();

static string? ArgValue(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>The entry point's type, for tests that reference the web assembly.</summary>
public partial class Program;
