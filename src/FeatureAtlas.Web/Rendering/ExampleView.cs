namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A text with the feature's activation on each token, ready to show: <see cref="Tokens"/> and
/// <see cref="Values"/> align; <see cref="MaxValueTokenIndex"/> is the highlighted token. <see cref="Ids"/>, when
/// known, are the tokens' vocabulary ids, which let <see cref="TokenRow"/> find each token's markup by index.
/// </summary>
public sealed record ExampleView(string[] Tokens, float[] Values, float MaxValue, int MaxValueTokenIndex, float MinValue, int[]? Ids = null)
{
    /// <summary>A view of <paramref name="tokens"/> with <paramref name="values"/>; max and min over all positions unless <paramref name="highlight"/> is given.</summary>
    public static ExampleView Of(string[] tokens, float[] values, int? highlight = null, int[]? ids = null)
    {
        if (tokens.Length != values.Length) throw new ArgumentException($"{tokens.Length} tokens but {values.Length} values.");
        if (ids is not null && ids.Length != tokens.Length) throw new ArgumentException($"{tokens.Length} tokens but {ids.Length} ids.");
        var max = float.NegativeInfinity;
        var min = float.PositiveInfinity;
        var at = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] > max) { max = values[i]; at = i; }
            if (values[i] < min) min = values[i];
        }
        if (values.Length == 0) { max = 0; min = 0; }
        if (highlight is { } h) { at = h; max = values[h]; }
        return new ExampleView(tokens, values, max, at, min, ids);
    }
}
