namespace FeatureAtlas.Web.Steering;

/// <summary>The bounds of one steering request (Neuronpedia's, where it has them).</summary>
public static class SteerLimits
{
    public const int MaxPromptCharacters = 2_048;
    public const int MaxNewTokens = 256;
    public const int MaxFeatures = 32;
    public const double MaxTemperature = 2;
    public const double MaxFreqPenalty = 2;
    public const double MaxSeed = 1e8;
    public const double MaxStrengthMultiplier = 10;

    /// <summary>|strength| bound: well past any activation a real feature reaches (the page's slider ends at ±300 × multiplier).</summary>
    public const double MaxStrength = 1e6;

    public const int MaxLabelCharacters = 200;

    /// <summary>Changes whenever generation or steering would give different text for the same settings, so saved runs are not reused across it.</summary>
    public const int EngineVersion = 1;
}
