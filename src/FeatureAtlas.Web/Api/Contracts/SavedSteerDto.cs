namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>GET /api/steer/{id}: the settings a run was made with (as a request would send them) and its result.</summary>
public sealed record SavedSteerDto(SteerRequest Settings, SteerResponse Result, DateTimeOffset CreatedAt);
