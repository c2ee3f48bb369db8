using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The real FeatureAtlas app (<see cref="AtlasWebHost.BuildAsync"/>, Kestrel on a free loopback port) over a fresh
/// database of its own, seeded with model <see cref="Model"/>, SAE <see cref="Sae"/> (<see cref="DSae"/> features)
/// and dashboards for features 0 to <see cref="DashboardFeatures"/> − 1. One per test class (xUnit class fixture);
/// page tests drive <see cref="BaseAddress"/> with a browser, API tests with <see cref="CreateClient"/>.
/// </summary>
public abstract partial class AtlasApp : IAsyncLifetime
{
    public const string Model = Seed.Model;
    public const string Sae = Seed.Sae;
    public const int DSae = 64;
    public const int DashboardFeatures = 8;
    public const string Password = "correct horse battery";

    private static int s_users;
    private readonly ConcurrentDictionary<string, Lazy<Task<TestUser>>> _shared = new();
    private TestDatabase? _database;
    private WebApplication? _app;

    protected abstract string Provider { get; }

    /// <summary>Tests write far more than a person would; the rate-limit tests lower this.</summary>
    protected virtual int WritesPerMinute => 1_000_000;

    /// <summary>Live-inference requests a client may make a minute; the inference-limit tests lower this.</summary>
    protected virtual int InferencePerMinute => 1_000_000;

    /// <summary>Live-inference requests one network address may make a minute, whoever signs in from it.</summary>
    protected virtual int InferencePerAddressPerMinute => 1_000_000;

    /// <summary>Sign-in attempts one network address may make a minute; the sign-in throttle tests lower this.</summary>
    protected virtual int SignInsPerMinute => 1_000_000;

    /// <summary>Largest graph upload accepted (bytes); the graph tests lower it to test the limit.</summary>
    protected virtual long MaxGraphUploadBytes => new AtlasWebOptions { Db = "x" }.MaxGraphUploadBytes;

    /// <summary>Requests worked on at once before others queue; the overload tests lower this.</summary>
    protected virtual int MaxConcurrentRequests => 128;

    /// <summary>Requests that may wait for a turn before more are shed with 503; the overload tests lower this.</summary>
    protected virtual int MaxQueuedRequests => 1_024;

    /// <summary>True when this provider's server is not configured (PostgreSQL outside CI); see <see cref="SkipWhenUnavailable"/>.</summary>
    public bool Skipped { get; private set; }

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Warnings and errors the app logged.</summary>
    public RecordedLog Log { get; } = new();

    /// <summary>The app's services, for what only the app can do (Identity's user manager).</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>The app's own store, for seeding and for checks behind its back.</summary>
    public AtlasStores Store { get; private set; } = null!;

    public bool IsSqlite => Provider == TestDatabase.Sqlite;

    /// <summary>
    /// Reports the calling test skipped when the app could not start for want of its database server. A fixture cannot
    /// skip the tests that use it, so each test over a provider that may be missing starts with this call.
    /// </summary>
    public void SkipWhenUnavailable() => Assert.SkipWhen(Skipped, TestDatabase.MissingServer);

    public virtual async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.TryCreateAsync(Provider);
        if (_database is null)
        {
            Skipped = true;
            return;
        }
        _app = await AtlasWebHost.BuildAsync(new AtlasWebOptions
        {
            Db = _database.Db,
            Urls = "http://127.0.0.1:0",
            WritesPerMinute = WritesPerMinute,
            InferencePerMinute = InferencePerMinute,
            InferencePerAddressPerMinute = InferencePerAddressPerMinute,
            SignInsPerMinute = SignInsPerMinute,
            LoggerProvider = Log,
            ReadsPerMinute = 1_000_000,
            MaxGraphUploadBytes = MaxGraphUploadBytes,
            MaxConcurrentRequests = MaxConcurrentRequests,
            MaxQueuedRequests = MaxQueuedRequests,
        }, CancellationToken.None);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single().TrimEnd('/') + "/");
        Store = new AtlasStores(_app.Services.GetRequiredService<AtlasDatabase>());
        await SeedAsync(Store);
    }

    private static async Task SeedAsync(AtlasStores store)
    {
        await Seed.AddAsync(store, DSae, windows: 20, context: 32);
        var dashboards = SyntheticDashboards.Create(features: DashboardFeatures, seed: 1, windows: 20, context: 32, top: 5, intervals: 2, perInterval: 2, tables: true);
        await store.Dashboards.SaveDashboardsAsync(Model, Sae, Seed.Corpus, new DashboardOptions { Seed = 42 }, dashboards, CancellationToken.None);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_database is not null) await _database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A client with its own cookie jar that does not follow redirects (tests see the 302 and where it goes).</summary>
    public HttpClient CreateClient(string? apiKey = null, CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        return client;
    }

    /// <summary>A new user (unique name from <paramref name="prefix"/>) signed up through /account/signup, with an API key.</summary>
    public async Task<TestUser> SignUpAsync(string prefix = "user", bool admin = false)
    {
        var name = $"{prefix}{Interlocked.Increment(ref s_users)}";
        var client = CreateClient();
        var response = await PostFormAsync(client, "account/signup", new() { ["UserName"] = name, ["Password"] = Password }, tokenFrom: "account/signup");
        if (response.StatusCode != HttpStatusCode.Redirect) Assert.Fail($"Sign-up of {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (admin)
        {
            await Store.Users.SetAdminAsync(name, true, CancellationToken.None);
            // The admin role is put into the cookie at sign-in, so sign in again after the promotion.
            client.Dispose();
            client = await SignInAsync(name, Password);
        }
        var actor = await Store.Users.FindUserAsync(name, CancellationToken.None) ?? throw new InvalidOperationException($"User {name} was not created.");
        var key = await CreateApiKeyAsync(actor);
        return new TestUser(name, Password, actor, client, key, CreateClient(key));
    }

    /// <summary>One user per name for the whole class (created on first use), for tests that do not need a fresh one.</summary>
    public Task<TestUser> SharedUserAsync(string name, bool admin = false) =>
        _shared.GetOrAdd(name, _ => new Lazy<Task<TestUser>>(() => SignUpAsync(name, admin))).Value;

    /// <summary>A client signed in through /account/signin.</summary>
    public async Task<HttpClient> SignInAsync(string name, string password)
    {
        var client = CreateClient();
        var response = await PostFormAsync(client, "account/signin", new() { ["UserName"] = name, ["Password"] = password }, tokenFrom: "account/signin");
        if (response.StatusCode != HttpStatusCode.Redirect) Assert.Fail($"Sign-in of {name} answered {(int)response.StatusCode}.");
        return client;
    }

    /// <summary>A new API key for the user, made by the store as the settings page makes it.</summary>
    public async Task<string> CreateApiKeyAsync(FeatureAtlas.Core.Community.Actor actor) =>
        (await Store.Users.CreateApiKeyAsync(actor, "tests", CancellationToken.None)).Key;

    /// <summary>The anti-forgery token of a form on <paramref name="path"/>, as this client's browser would post it.</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path = "account/signin")
    {
        var html = await client.GetStringAsync(path);
        var match = TokenPattern().Match(html);
        if (!match.Success) Assert.Fail($"{path} has no form with an anti-forgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts a form as a browser would: with the anti-forgery token from a page this client fetched.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields, string tokenFrom = "account/signin")
    {
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client, tokenFrom) };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    /// <summary>Runs raw SQL on the app's database with the provider's own client, outside FeatureAtlas.</summary>
    public Task<object?> ScalarAsync(string sql) => _database!.ScalarAsync(sql);

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
