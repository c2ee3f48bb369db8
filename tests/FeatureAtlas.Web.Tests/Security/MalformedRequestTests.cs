using System.Net;
using System.Text;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// Malformed requests from anyone, on SQLite and PostgreSQL (which refuses NUL in text): a NUL byte in a form field,
/// query or path, a form body over 1 MiB, more than 1,024 form fields, a 3,000-character field name, and JSON text
/// with a lone UTF-16 surrogate or a NUL. Each is refused as bad input (400, or 413 for the body) with a clear
/// answer and a warning in the log, never a 500.
/// </summary>
public abstract class MalformedRequestTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : MalformedRequestTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : MalformedRequestTests(app), IClassFixture<PostgresAtlasApp>;

    private const string M = AtlasApp.Model;
    private const string S = AtlasApp.Sae;

    public static TheoryData<string, string> FormCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in new[] { "account/signin", "account/signup", $"{M}/{S}/4?handler=Comment" })
        {
            foreach (var malformed in new[] { "nul", "body", "fields", "key" }) data.Add(target, malformed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public async Task FormPost_Malformed_Answers4xxNot500(string target, string malformed)
    {
        app.SkipWhenUnavailable();
        var jar = new CookieContainer();
        using var client = app.CreateClient(cookies: jar);
        var token = await AtlasApp.AntiforgeryTokenAsync(client);
        var form = new StringBuilder("__RequestVerificationToken=").Append(Uri.EscapeDataString(token)).Append("&Password=whatever1");
        var expected = HttpStatusCode.BadRequest;
        switch (malformed)
        {
            case "nul":
                form.Append("&UserName=a%00b&comment=a%00b");
                break;
            case "body":
                form.Append("&comment=").Append('a', 1_100_000);
                expected = HttpStatusCode.RequestEntityTooLarge;
                break;
            case "fields":
                for (var i = 0; i < 1_100; i++) form.Append("&f").Append(i).Append("=1");
                break;
            default:
                form.Append('&').Append('k', 3_000).Append("=1");
                break;
        }

        var (status, contentType, body) = malformed == "body"
            ? await PostWhileReadingAsync(jar.GetCookieHeader(app.BaseAddress), target, form.ToString())
            : await PostAsync(client, target, form.ToString());

        Assert.True(status == expected, $"{malformed} to {target}: answered {(int)status}, expected {(int)expected}: {body[..Math.Min(300, body.Length)]}");
        Assert.Equal("application/problem+json", contentType);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        var path = "/" + target.Split('?')[0];
        Assert.Contains(app.Log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && e.Message.StartsWith($"Refused POST {path}: {(int)expected} ", StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode, string?, string)> PostAsync(HttpClient client, string target, string form)
    {
        var response = await client.PostAsync(target, new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Posts over a raw socket, reading the answer while the body is still being sent: the server refuses an
    /// oversized body at once and closes the connection, which can make HttpClient fail the send before it reads the
    /// answer that was already there.
    /// </summary>
    private async Task<(HttpStatusCode, string?, string)> PostWhileReadingAsync(string cookies, string target, string form)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /{target} HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(form)}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n";
        var send = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await stream.WriteAsync(Encoding.UTF8.GetBytes(form));
            }
            catch (IOException)
            {
                // The server closed the connection after answering: expected for a refused body.
            }
        });
        using var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer);
        }
        catch (IOException)
        {
            // A reset after the answer arrived.
        }
        await send;
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var status = (HttpStatusCode)int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = text[..split].Split("\r\n");
        var type = headers.FirstOrDefault(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Split(';')[0].Trim();
        return (status, type, text[(split + 4)..]);
    }

    [Theory]
    [InlineData("search-explanations?q=ab%00cd")]
    [InlineData("search?text=ab%00cd")]
    [InlineData("user/someone?embed=%00")]
    [InlineData("api/explanation/export?modelId=" + M + "&layer=a%00b")]
    public async Task Get_NulInQuery_Answers400(string path)
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("NUL", detail, StringComparison.Ordinal);
    }

    /// <summary>Kestrel itself refuses a NUL in the path (400, before the app); the app refuses one that gets past it.</summary>
    [Theory]
    [InlineData("user/a%00b")]
    [InlineData(M + "/a%00b/1")]
    [InlineData("list/a%00b")]
    [InlineData("api/feature/" + M + "/a%00b/1")]
    public async Task Get_NulInPath_Answers400(string path)
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
    }

    /// <summary>JSON bodies written by hand: <c>\ud800</c> and <c>\udc00</c> are lone surrogates, invalid UTF-16.</summary>
    [Theory]
    [InlineData("api/activation/new", """{"feature":{"modelId":"M","source":"S","index":1},"customText":"a\ud800b"}""", "customText")]
    [InlineData("api/activation/new", """{"feature":{"modelId":"M","source":"S","index":1},"customText":"a\udc00"}""", "customText")]
    [InlineData("api/activation/new", """{"feature":{"modelId":"M","source":"S","index":1},"customText":["fine","a\ud800"]}""", "customText")]
    [InlineData("api/search-all", """{"modelId":"M","text":"a\ud800b"}""", "text")]
    [InlineData("api/search-topk-by-token", """{"modelId":"M","source":"S","text":"a\udc00"}""", "text")]
    [InlineData("api/explanation/search", """{"query":"abc\ud800def"}""", "query")]
    [InlineData("api/comment/new", """{"modelId":"M","layer":"S","index":4,"text":"a\udc00"}""", "text")]
    [InlineData("api/comment/new", """{"modelId":"M","layer":"S","index":4,"text":"a\u0000b"}""", "text")]
    [InlineData("api/explanation/new", """{"modelId":"M","layer":"S","index":4,"explanation":"a\u0000b"}""", "explanation")]
    public async Task Json_InvalidText_Answers400NamingTheField(string path, string json, string field)
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("writer");
        json = json.Replace("\"M\"", $"\"{M}\"", StringComparison.Ordinal).Replace("\"S\"", $"\"{S}\"", StringComparison.Ordinal);

        var response = await user.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains($"'{field}'", detail, StringComparison.Ordinal);
    }

    /// <summary>Bodies and values the framework cannot bind are described in our words, naming the field, never with .NET's message (type names, "Failed to read parameter ...").</summary>
    [Theory]
    [InlineData("api/comment/new", """{"modelId":"M","layer":"S","index":"four","text":"x"}""", "'index'")]
    [InlineData("api/comment/new", """{"modelId":"M","layer":"S","index":4,"text":""", "not valid JSON")]
    [InlineData("api/search-all", """["not","an","object"]""", "not valid JSON")]
    public async Task Json_Unbindable_Answers400InOurWords(string path, string json, string expected)
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("writer");
        json = json.Replace("\"M\"", $"\"{M}\"", StringComparison.Ordinal).Replace("\"S\"", $"\"{S}\"", StringComparison.Ordinal);

        var response = await user.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Request", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_Unbindable_Answers400NamingTheParameter()
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();

        var response = await client.GetAsync($"api/feature/{M}/{S}/1/similar?k=many");

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, response);
        Assert.Equal("'k' could not be read from 'many'.", detail);
    }
}
