namespace FeatureAtlas.Jobs;

/// <summary>Where a long job stands: units done of total (tokens, features…), with a short stage label.</summary>
public readonly record struct JobProgress(string Stage, long Done, long Total);
