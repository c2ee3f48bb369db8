namespace FeatureAtlas.Core.Explain;

/// <summary>A token-statistics explanation with the tokens the feature says; predicts max(token prediction, weight where the next token is said).</summary>
public sealed class LogitAwareExplanation(string text, TokenExplanation basis, IReadOnlyList<int> says, double saysWeight, IReadOnlyList<int> nextAfterPeak) : IActivationPredictor
{
    private readonly HashSet<int> _says = [.. says];

    public string Text { get; } = text;

    public TokenExplanation Basis { get; } = basis;

    /// <summary>The top positive logits the prediction uses (empty when they never followed in the train split).</summary>
    public IReadOnlyList<int> Says { get; } = says;

    public double SaysWeight { get; } = saysWeight;

    public IReadOnlyList<int> NextAfterPeak { get; } = nextAfterPeak;

    public void Predict(ReadOnlySpan<int> tokens, Span<float> destination)
    {
        Basis.Predict(tokens, destination);
        if (_says.Count == 0) return;
        for (var t = 0; t + 1 < tokens.Length; t++)
        {
            if (_says.Contains(tokens[t + 1])) destination[t] = Math.Max(destination[t], (float)SaysWeight);
        }
    }

    public override string ToString() => Text;
}
