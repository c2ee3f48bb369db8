namespace FeatureAtlas.Web.Api;

/// <summary>A prompt field pair of a request: text (BOS prepended) or ids (used as given), and their names in the JSON.</summary>
public readonly record struct PromptField(string? Text, int[]? Ids, string TextField = "prompt", string IdsField = "token_ids");
