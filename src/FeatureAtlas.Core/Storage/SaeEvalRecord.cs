using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Storage;

/// <summary>An SAE's stored evaluation: which SAE (name, hook), over which corpus, when, and the figures.</summary>
public sealed record SaeEvalRecord(string Sae, string HookName, string Corpus, SaeEvalResult Result, DateTimeOffset CreatedAt);
