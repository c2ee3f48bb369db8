namespace FeatureAtlas.Core.Explain;

/// <summary>Where an example window came from: the dashboard's top list, an activation interval, or a random corpus window.</summary>
public enum ExampleKind
{
    Top,
    Interval,
    Random,
}
