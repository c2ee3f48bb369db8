using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Api;

/// <summary>The circuit endpoints' prompts and TOKEN fields, each failing as a 400 that names the field.</summary>
public static class CircuitsInput
{
    /// <summary>
    /// A prompt given as text (BOS prepended, as <c>atlas run</c> does) or as token ids used exactly as given: exactly
    /// one of the two, within the character limit and <paramref name="maxTokens"/> (or the model's context).
    /// </summary>
    public static int[] Tokens(LoadedModel model, string? text, int[]? ids, string textField, string idsField, int maxTokens, AtlasWebOptions limits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(limits);
        var most = Math.Min(Math.Min(maxTokens, limits.MaxTextTokens), model.Session.Model.Config.Positions);
        if (ids is null) return model.Tokenize(text, limits.MaxTextCharacters, most, textField);
        if (text is not null) throw new ArgumentException($"Give {textField} or {idsField}, not both.");
        if (ids.Length == 0) throw new ArgumentException($"{idsField} is empty.");
        if (ids.Length > most) throw new ArgumentException($"{idsField} has {ids.Length} tokens; at most {most} are allowed.");
        var vocab = model.Session.Model.Config.Vocab;
        for (var i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab) throw new ArgumentException($"{idsField}[{i}] = {ids[i]} is outside the model's vocabulary [0, {vocab}).");
        }
        return ids;
    }

    /// <summary>A TOKEN field: a string that encodes to exactly one token, or #ID.</summary>
    public static int Token(LoadedModel model, string? value, string field) =>
        CircuitTokens.Parse(ApiInput.Required(value, field), field, model.Tokenizer, model.Session.Model.Config.Vocab);

    public static int? OptionalToken(LoadedModel model, string? value, string field) =>
        string.IsNullOrEmpty(value) ? null : Token(model, value, field);

    /// <summary>A chosen position, else the last.</summary>
    public static int? Position(int? position, int tokens) =>
        position is { } p && (p < 0 || p >= tokens) ? throw new ArgumentException($"position {p} is outside the prompt's {tokens} tokens (0..{tokens - 1}).") : position;

    public static TokenDto Describe(LoadedModel model, int id) => new(id, model.TokenStrings([id])[0]);
}
