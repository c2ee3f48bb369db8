namespace FeatureAtlas.Core.Storage;

/// <summary>
/// A stored attribution graph as lists show it (table <c>graphs</c>): its address (<see cref="Model"/>, <see cref="Slug"/>),
/// who stored it (<see cref="UserId"/> and name; null from the command line), the prompt, the settings it was made with
/// (JSON: where it came from, transcoders, generation and pruning settings), its size and when it was stored. The graph
/// JSON itself is read with <see cref="IGraphStore.GetGraphJsonAsync"/>.
/// </summary>
public sealed record GraphRecord(
    string Model, string Slug, int? UserId, string? OwnerName, string Prompt, string SettingsJson, int Nodes, int Links, long JsonBytes, DateTimeOffset CreatedAt);
