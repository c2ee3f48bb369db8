using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// One write endpoint of the access matrix: how to send it against things the owner made for this cell, whether
/// only the owner (or an admin) may make it, and optionally a snapshot of what it changes, which a refused write
/// must leave as it was.
/// </summary>
public sealed record WriteCase(
    string Name, bool OwnerOnly, bool IsPage,
    Func<HttpClient, WriteTarget, Task<HttpResponseMessage>> Send,
    Func<AtlasApp, WriteTarget, Task<string>>? State = null)
{
    public static WriteCase Api(string path, bool ownerOnly, Func<WriteTarget, object?> body, Func<AtlasApp, WriteTarget, Task<string>>? state = null) =>
        new(path, ownerOnly, IsPage: false, (client, t) => client.PostAsJsonAsync(path.Replace("{id}", t.VotedExplanationId.ToString(System.Globalization.CultureInfo.InvariantCulture)), body(t)), state);

    public static WriteCase Page(string name, bool ownerOnly, Func<WriteTarget, string> path, Func<WriteTarget, Dictionary<string, string>> fields, Func<AtlasApp, WriteTarget, Task<string>>? state = null) =>
        new(name, ownerOnly, IsPage: true, (client, t) => AtlasApp.PostFormAsync(client, path(t), fields(t)), state);

    public override string ToString() => Name;
}
