namespace FeatureAtlas.Core.Explain;

/// <summary>
/// An explanation that names tokens (with optional preceding-token contexts and a start-of-context pattern) and
/// is its own predictor: each named token predicts its weight, every other token 0.
/// </summary>
public sealed class TokenExplanation : IActivationPredictor
{
    private readonly Dictionary<int, ExplainedToken> _byToken;

    public TokenExplanation(string text, IReadOnlyList<ExplainedToken> tokens, double? startWeight = null, int startPositions = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(tokens);
        Text = text;
        Tokens = tokens;
        StartWeight = startWeight;
        StartPositions = startPositions;
        _byToken = tokens.ToDictionary(t => t.Token);
    }

    public string Text { get; }

    public IReadOnlyList<ExplainedToken> Tokens { get; }

    /// <summary>When the feature fires near the start of the context: the activation predicted at positions 1..<see cref="StartPositions"/>.</summary>
    public double? StartWeight { get; }

    public int StartPositions { get; }

    public void Predict(ReadOnlySpan<int> tokens, Span<float> destination)
    {
        if (destination.Length != tokens.Length) throw new ArgumentException($"{destination.Length} predictions for {tokens.Length} tokens.", nameof(destination));
        for (var t = 0; t < tokens.Length; t++)
        {
            double value = 0;
            if (_byToken.TryGetValue(tokens[t], out var named))
            {
                value = named.Context is { } context && t > 0 && tokens[t - 1] == context ? named.ContextWeight : named.Weight;
            }
            if (StartWeight is { } start && t >= 1 && t <= StartPositions) value = Math.Max(value, start);
            destination[t] = (float)value;
        }
    }

    public override string ToString() => Text;
}
