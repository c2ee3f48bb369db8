namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// A named set of vocabulary tokens that token-set enrichment tests a feature's logits against: <see cref="Tokens"/>
/// are distinct ids in ascending order; <see cref="Source"/> says where the set comes from (a rule, or the npm package
/// whose word list it matches).
/// </summary>
public sealed record TokenSet(string Name, string Description, string Source, int[] Tokens);
