namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A joint map in a list: its name, its SAEs in order, how many features it places, when it was stored.</summary>
public sealed record JointUmapInfoDto(string Name, string[] Saes, int Points, DateTimeOffset CreatedAt);
