namespace FeatureAtlas.Data.Entities;

/// <summary>A person using the atlas (table <c>users</c>): name unique, email unique when given.</summary>
public sealed class UserEntity
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public bool IsAdmin { get; set; }
}
