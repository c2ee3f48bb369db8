namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A graph being generated: the job (state, stage, done of total: backward passes), where the graph will be
/// (<see cref="Url"/>) and where to ask again (<see cref="StatusUrl"/>).
/// </summary>
public sealed record GraphJobDto(long JobId, string ModelId, string Slug, string State, string? Stage, long Done, long Total, string? Error, string Url, string StatusUrl);
