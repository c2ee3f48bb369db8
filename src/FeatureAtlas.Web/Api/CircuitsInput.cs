using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// What the circuit endpoints (lens, attribute, patch, ablate) read from a request, checked in one place: the model
/// (404 when unknown), a prompt as text or ids within the limits, the TOKEN fields, the position and top_n; each bad
/// field is a 400 that names it.
/// </summary>
public static class CircuitsInput
{
    /// <summary>
    /// The model and prompt of a circuit request, with <paramref name="target"/> and <paramref name="distractor"/>
    /// parsed (each required when asked; a distractor without a target is an error) and <paramref name="position"/>
    /// checked against the prompt.
    /// </summary>
    public static async Task<CircuitInput> ReadAsync(ModelRuntime models, AtlasWebOptions limits, string? modelId, PromptField prompt, int maxTokens,
        string? target = null, string? distractor = null, int? position = null, bool targetRequired = false, bool distractorRequired = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        var id = ApiInput.Required(modelId, "modelId");
        var loaded = await models.GetAsync(id, cancellationToken);
        var tokens = Tokens(loaded, prompt.Text, prompt.Ids, prompt.TextField, prompt.IdsField, maxTokens, limits);
        var targetId = targetRequired ? Token(loaded, target, "target") : OptionalToken(loaded, target, "target");
        var distractorId = distractorRequired ? Token(loaded, distractor, "distractor") : OptionalToken(loaded, distractor, "distractor");
        if (distractorId is not null && targetId is null) throw new ArgumentException("distractor needs a target.");
        return new CircuitInput(id, loaded, tokens, targetId, distractorId, Position(position, tokens.Length));
    }

    /// <summary>A top_n field: 1 to <see cref="LogitLens.MaxTop"/>, <paramref name="fallback"/> when absent.</summary>
    public static int TopN(int? value, int fallback)
    {
        var top = value ?? fallback;
        return top is < 1 or > LogitLens.MaxTop ? throw new ArgumentException($"top_n must be 1 to {LogitLens.MaxTop}; got {top}.") : top;
    }

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
