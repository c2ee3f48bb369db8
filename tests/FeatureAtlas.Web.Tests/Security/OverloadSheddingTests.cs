using System.Net;
using System.Text;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// Past its concurrency and queue limits the site answers 503 with Retry-After and a ProblemDetails body at once,
/// rather than queueing without bound, and serves again as soon as the load is gone. The app here works on one
/// request at a time with no queue; a request whose JSON body is held back keeps that one turn taken.
/// </summary>
public sealed class OverloadSheddingTests(SheddingAtlasApp app) : IClassFixture<SheddingAtlasApp>
{
    private static readonly string Page = $"{AtlasApp.Model}/{AtlasApp.Sae}/2";

    [Fact]
    public async Task PageRead_WhileEveryTurnIsTaken_Answers503WithRetryAfterAndServesAgainAfter()
    {
        var user = await app.SignUpAsync();
        using var reader = app.CreateClient();
        // The held comment takes the only turn once the server has its headers. A read that gets in first has the
        // comment shed instead (whose client, still holding its body, never hears it): then the comment is abandoned
        // and sent again, with longer for it to arrive before the next read.
        HeldBody body = null!;
        Task<HttpResponseMessage> held = null!;
        CancellationTokenSource abandon = null!;
        HttpResponseMessage? shed = null;
        for (var attempt = 0; shed is null && attempt < 12; attempt++)
        {
            body = new HeldBody();
            abandon = new CancellationTokenSource();
            held = user.KeyClient.PostAsync("api/comment/new", body, abandon.Token);
            await Task.Delay(10 << Math.Min(attempt, 7));
            var response = await reader.GetAsync(Page);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                shed = response;
                break;
            }
            response.Dispose();
            await abandon.CancelAsync();
            body.Release();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
            abandon.Dispose();
        }
        Assert.NotNull(shed);
        Assert.Equal("1", shed.Headers.GetValues("Retry-After").Single());
        Assert.Equal("application/problem+json", shed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Server busy", await shed.Content.ReadAsStringAsync());
        shed.Dispose();

        body.Release();
        using (var written = await held) Assert.True(written.IsSuccessStatusCode, $"The held comment answered {(int)written.StatusCode}.");
        using var after = await reader.GetAsync(Page);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains(body.Text, await after.Content.ReadAsStringAsync());
        abandon.Dispose();
    }

    [Fact]
    public void Options_NegativeQueueOrNoTurns_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtlasWebOptions { Db = "x.db", MaxConcurrentRequests = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtlasWebOptions { Db = "x.db", MaxQueuedRequests = -1 }.Validate());
    }

    /// <summary>A comment's JSON whose first byte is sent at once and the rest only on <see cref="Release"/>.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBody() => Headers.ContentType = new("application/json");

        public string Text { get; } = $"held {Guid.NewGuid():N}";

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{"u8.ToArray());
            await stream.FlushAsync();
            await _release.Task;
            var rest = $"\"modelId\":\"{AtlasApp.Model}\",\"layer\":\"{AtlasApp.Sae}\",\"index\":2,\"text\":\"{Text}\"}}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(rest));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
