using FeatureAtlas.Core.Generation;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Default and steered continuations of one prompt. <see cref="DefaultTop"/> and <see cref="SteeredTop"/> hold
/// NewTokens + 1 rows: the top next-token probabilities at the last prompt position and after each generated token
/// (TokenChoice log-probabilities, most likely first).
/// </summary>
public sealed record GraphSteerResult(int[] Prompt, int[] DefaultTokens, int[] SteeredTokens, IReadOnlyList<TokenChoice[]> DefaultTop, IReadOnlyList<TokenChoice[]> SteeredTop);
