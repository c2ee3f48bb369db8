namespace FeatureAtlas.Data.Entities;

/// <summary>
/// An API key (table <c>api_keys</c>) sent as the <c>x-api-key</c> header. Only its SHA-256 hash is stored; the key
/// itself is shown once, when it is created. <see cref="Prefix"/> (its first characters) lets a user tell keys apart.
/// </summary>
public sealed class ApiKeyEntity
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the key's UTF-8 bytes, lowercase hex.</summary>
    public required string Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
