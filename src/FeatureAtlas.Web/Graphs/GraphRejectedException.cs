namespace FeatureAtlas.Web.Graphs;

/// <summary>An uploaded graph that cannot be stored: a title and each problem at its JSON path (a 400 with the list in <c>errors</c>).</summary>
public sealed class GraphRejectedException(string title, IReadOnlyList<string> problems)
    : ArgumentException($"{title}: {string.Join("; ", problems)}")
{
    public string Title { get; } = title;

    public IReadOnlyList<string> Problems { get; } = problems;
}
