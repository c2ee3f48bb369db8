namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// The JSON schema of the graph JSON (Graphs/graph-schema.json, embedded): what <see cref="GraphJson"/> writes and
/// what an uploaded graph must satisfy. Core has no schema validator; hosts and tests validate with this text.
/// </summary>
public static class GraphSchema
{
    private static readonly Lazy<string> Schema = new(() =>
    {
        using var stream = typeof(GraphSchema).Assembly.GetManifestResourceStream("FeatureAtlas.Core.Graphs.graph-schema.json")
            ?? throw new InvalidOperationException("The embedded graph schema is missing from FeatureAtlas.Core.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Text => Schema.Value;
}
