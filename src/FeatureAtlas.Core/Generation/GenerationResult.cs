namespace FeatureAtlas.Core.Generation;

/// <summary>One sequence's generation: the prompt it continued and the tokens chosen, in order.</summary>
public sealed record GenerationResult(IReadOnlyList<int> PromptTokens, IReadOnlyList<GeneratedToken> Tokens)
{
    /// <summary>The generated token ids.</summary>
    public int[] TokenIds => Tokens.Select(t => t.Token).ToArray();
}
