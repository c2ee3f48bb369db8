namespace FeatureAtlas.Core.Explain;

/// <summary>
/// A token an offline explanation names: how enriched it is at activating positions (log-odds vs the corpus), how
/// often it activated in the train split, and the activation it predicts (the train mean over all its
/// occurrences); with a <see cref="Context"/>, <see cref="ContextWeight"/> after that token and
/// <see cref="Weight"/> elsewhere.
/// </summary>
public sealed record ExplainedToken(int Token, string Text, double Enrichment, int ActiveCount, double Weight, int? Context = null, string? ContextText = null, double ContextWeight = 0);
