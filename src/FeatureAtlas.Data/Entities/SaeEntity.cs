namespace FeatureAtlas.Data.Entities;

/// <summary>An SAE on a model's hook point (table <c>saes</c>): name unique within its model, cfg.json kept as text.</summary>
public sealed class SaeEntity
{
    public int Id { get; set; }

    public int ModelId { get; set; }

    public required string Name { get; set; }

    public string? Path { get; set; }

    /// <summary>TransformerLens hook name, e.g. <c>blocks.8.hook_resid_pre</c>.</summary>
    public required string HookName { get; set; }

    /// <summary>Block index, −1 for embeddings.</summary>
    public int Layer { get; set; }

    public int DIn { get; set; }

    public int DSae { get; set; }

    public required string Architecture { get; set; }

    public required string CfgJson { get; set; }

    /// <summary>The source set chosen at <c>atlas dashboards build --set</c> (null: named after the hook kind).</summary>
    public string? SetName { get; set; }
}
