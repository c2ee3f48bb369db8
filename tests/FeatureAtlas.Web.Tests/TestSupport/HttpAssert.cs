using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>Status checks that print the body when they fail, so a wrong answer explains itself.</summary>
public static class HttpAssert
{
    /// <summary>Asserts a 2xx answer with a JSON body and returns it.</summary>
    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        await StatusAsync(HttpStatusCode.OK, response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and returns its detail (or title).</summary>
    public static async Task<string> ProblemAsync(HttpStatusCode status, HttpResponseMessage response)
    {
        await StatusAsync(status, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem.TryGetProperty("detail", out var detail) ? detail.GetString()! : problem.GetProperty("title").GetString()!;
    }

    public static async Task StatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync();
        Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, expected {(int)expected}: {body[..Math.Min(body.Length, 500)]}");
    }
}
