namespace FeatureAtlas.Core.Community;

/// <summary>A feature by model name, SAE name and index: what every URL and API call names.</summary>
public readonly record struct FeatureKey(string Model, string Sae, int Index)
{
    public override string ToString() => $"{Model}/{Sae}/{Index}";
}
