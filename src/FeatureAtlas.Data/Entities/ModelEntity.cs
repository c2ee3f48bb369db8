namespace FeatureAtlas.Data.Entities;

/// <summary>A transformer model (table <c>models</c>): name unique, its config.json kept as text.</summary>
public sealed class ModelEntity
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public string? Path { get; set; }

    public required string ConfigJson { get; set; }

    public int Layers { get; set; }

    public int DModel { get; set; }

    public int Vocab { get; set; }

    public string? DisplayName { get; set; }
}
