using System.Globalization;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// TOKEN arguments of the circuit tools (target, distractor), shared by the CLI and the API: a string that encodes to
/// exactly one token (<c>" Paris"</c>, with its leading space), or <c>#ID</c> for a token id.
/// </summary>
public static class CircuitTokens
{
    /// <summary>The token id <paramref name="value"/> names; an <see cref="ArgumentException"/> naming <paramref name="field"/> and what it encodes to otherwise.</summary>
    public static int Parse(string value, string field, Gpt2Tokenizer tokenizer, int vocab)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (string.IsNullOrEmpty(value)) throw new ArgumentException($"{field} is empty; give a string that is exactly one token, or #ID.");
        if (value.StartsWith('#') && value.Length > 1)
        {
            if (!int.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) throw new ArgumentException($"{field} '{value}': after # give a token id such as #262.");
            if (id >= vocab) throw new ArgumentException($"{field} {value} is outside the model's vocabulary [0, {vocab}).");
            return id;
        }
        var ids = tokenizer.Encode(value, prependBos: false);
        if (ids.Length != 1)
        {
            var spelled = string.Join(", ", tokenizer.GetTokenStrings(ids).Zip(ids, (s, i) => $"'{s}' #{i}"));
            throw new ArgumentException($"{field} '{value}' encodes to {ids.Length} tokens ({spelled}); give a string that is exactly one token, or #ID.");
        }
        return ids[0];
    }
}
