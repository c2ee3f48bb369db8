using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// An SAE's stored evaluation: which SAE (name, hook), over which corpus, when, and the figures; measured here, or
/// imported from a SAEBench result file (<see cref="ImportedFrom"/>, its file name).
/// </summary>
public sealed record SaeEvalRecord(string Sae, string HookName, string Corpus, SaeEvalResult Result, DateTimeOffset CreatedAt, string? ImportedFrom = null);
