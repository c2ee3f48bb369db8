namespace FeatureAtlas.Core.Storage;

/// <summary>
/// A stored source set of a model: its name, description, where its SAEs come from (<see cref="Url"/>) and who
/// created it on the site (null for sets named from the command line). Its SAEs are those whose
/// <see cref="SaeRecord.SetName"/> (or source id) names it.
/// </summary>
public sealed record SourceSetRecord(string Model, string Name, string Description, string? Url, int? CreatorId, string? CreatorName);
