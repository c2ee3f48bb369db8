using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Inference;

/// <summary>The site's text limits applied to a loaded model's tokenizer.</summary>
public static class InferenceLimits
{
    /// <summary>BOS plus the text's tokens within <see cref="AtlasWebOptions.MaxTextCharacters"/> and <see cref="AtlasWebOptions.MaxTextTokens"/>.</summary>
    public static int[] Tokenize(this LoadedModel model, string? text, AtlasWebOptions limits) =>
        model.Tokenize(text, limits.MaxTextCharacters, limits.MaxTextTokens);
}
