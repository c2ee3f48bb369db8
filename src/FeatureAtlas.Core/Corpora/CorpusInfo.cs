namespace FeatureAtlas.Core.Corpora;

/// <summary>A stored corpus: named windows of token ids (most of <see cref="Context"/> tokens, BOS first for text).</summary>
public sealed record CorpusInfo(string Name, string Source, int Context, int Windows, long Tokens, DateTimeOffset CreatedAt);
