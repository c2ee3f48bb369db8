namespace FeatureAtlas.Web;

/// <summary>How <c>atlas serve</c> runs the site: which database, where it listens, and its limits.</summary>
public sealed class AtlasWebOptions
{
    /// <summary>A SQLite file path or a PostgreSQL connection string (see <c>AtlasDatabase</c>).</summary>
    public required string Db { get; init; }

    /// <summary>Where Kestrel listens; loopback by default. Port 0 picks a free port (tests).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5000";

    /// <summary>Longest text accepted by live inference (characters), before tokenising.</summary>
    public int MaxTextCharacters { get; init; } = 8_000;

    /// <summary>Most tokens one live-inference request may run (Neuronpedia allows 1,024).</summary>
    public int MaxTextTokens { get; init; } = 1_024;

    /// <summary>Most SAEs one search may run.</summary>
    public int MaxSaesPerSearch { get; init; } = 32;

    /// <summary>Live-inference requests allowed per client (user or IP address) per minute.</summary>
    public int InferencePerMinute { get; init; } = 120;

    /// <summary>
    /// Live-inference requests allowed per network address (an IPv4 address, an IPv6 /64) per minute, whoever is
    /// signed in from it: accounts are free to make, so per-account budgets alone would multiply.
    /// </summary>
    public int InferencePerAddressPerMinute { get; init; } = 240;

    /// <summary>Sign-in and sign-up attempts allowed per network address per minute, whichever accounts they name.</summary>
    public int SignInsPerMinute { get; init; } = 20;

    /// <summary>Writes (comments, lists, stars, explanations) allowed per client per minute.</summary>
    public int WritesPerMinute { get; init; } = 120;

    /// <summary>JSON reads (explanation search, lists) allowed per client per minute.</summary>
    public int ReadsPerMinute { get; init; } = 600;

    /// <summary>Most models held in memory at once; loading one more unloads the least recently used.</summary>
    public int MaxLoadedModels { get; init; } = 2;

    /// <summary>Most requests waiting for one model; more answer 503 until the queue drains.</summary>
    public int MaxQueuedPerModel { get; init; } = 64;

    /// <summary>
    /// Requests (other than live inference) worked on at once; more wait in a queue of <see cref="MaxQueuedRequests"/>,
    /// and past that are answered 503 with Retry-After (<see cref="OverloadShedding"/>).
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 128;

    /// <summary>Requests waiting for one of the <see cref="MaxConcurrentRequests"/> turns; 0 sheds at once.</summary>
    public int MaxQueuedRequests { get; init; } = 1_024;

    /// <summary>
    /// An OpenAI-compatible endpoint that scores explanations (<c>POST /api/explanation/score</c>); null: scores are
    /// offline (the keyword scorer). <c>atlas serve --llm-endpoint</c> sets it.
    /// </summary>
    public Core.Explain.Llm.LlmClientOptions? Llm { get; init; }

    /// <summary>Largest graph JSON an upload may send (bytes); a pruned 64-token graph is a few megabytes.</summary>
    public long MaxGraphUploadBytes { get; init; } = 32L << 20;

    /// <summary>Whether anyone may create an account on the site.</summary>
    public bool AllowSignup { get; init; } = true;

    /// <summary>
    /// Where SAEs uploaded on the site are kept (<c>{folder}/{model}/{sae}</c>); workers on other machines must see the
    /// same folder at the same path. Default: <c>saes</c> beside a SQLite database, else <c>.atlas/saes</c>.
    /// </summary>
    public string? SaeUploadDirectory { get; init; }

    /// <summary>Largest SAE upload (cfg.json and weights together), in bytes: 1 GiB, room for a d_sae 131,072 SAE of GPT-2 small in float32.</summary>
    public long MaxSaeUploadBytes { get; init; } = 1L << 30;

    /// <summary>Log each request (off in benchmarks).</summary>
    public bool RequestLogging { get; init; }

    /// <summary>A further destination for the site's log beside the console (tests read what was logged).</summary>
    public ILoggerProvider? LoggerProvider { get; init; }

    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Db);
        ArgumentException.ThrowIfNullOrWhiteSpace(Urls);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTextCharacters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTextTokens, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSaesPerSearch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InferencePerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLoadedModels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedPerModel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InferencePerAddressPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SignInsPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(WritesPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadsPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGraphUploadBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentRequests, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueuedRequests);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSaeUploadBytes, 1);
    }

    /// <summary>The folder uploaded SAEs go to (see <see cref="SaeUploadDirectory"/>).</summary>
    public string ResolvedSaeUploadDirectory() => Path.GetFullPath(SaeUploadDirectory
        ?? (Db.Contains('=', StringComparison.Ordinal) ? Path.Combine(".atlas", "saes") : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Db)) ?? ".", "saes")));
}
