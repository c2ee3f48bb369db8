namespace FeatureAtlas.Core.Storage;

/// <summary>
/// One score added to a stored explanation (Neuronpedia's ExplanationScore): the scorer type
/// (<c>recall_alt</c>, <c>eleuther_recall</c>, …), the scorer model (<c>offline</c> for the keyword scorer), the value
/// in [0, 1], its details as JSON, when, and who asked (<see cref="InitiatedBy"/>, a user id).
/// </summary>
public sealed record ExplanationScoreRecord(string Type, string Model, double Value, string DetailsJson, DateTimeOffset CreatedAt, int? InitiatedBy = null);
