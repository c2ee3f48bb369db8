namespace FeatureAtlas.Core.Storage;

/// <summary>
/// A finished steering run: <see cref="Id"/> is the start of <see cref="Hash"/> (SHA-256 of every setting and the
/// engine version), so the same request always finds the same run; the settings and result are the JSON the API
/// takes and returns, stored as sent so a share link replays exactly.
/// </summary>
public sealed record SteerRunRecord(string Id, string Hash, string Model, int EngineVersion, string SettingsJson, string ResultJson, int? UserId, DateTimeOffset CreatedAt);
