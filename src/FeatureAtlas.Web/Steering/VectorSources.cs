using System.Globalization;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Hooks;

namespace FeatureAtlas.Web.Steering;

/// <summary>
/// Neuronpedia files a custom steering vector as a feature of source <c>{layer}-neuronpedia-{resid-pre|resid-post}</c>
/// at index "its id", so its client steers with one as <c>features: [{layer: source, index}]</c>. Here a saved vector
/// is named the same way: the source from its hook, the index its id.
/// </summary>
public static partial class VectorSources
{
    /// <summary>The source of a vector at <paramref name="hook"/>: <c>blocks.3.hook_resid_post</c> → <c>3-neuronpedia-resid-post</c>.</summary>
    public static string Of(string hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var last = hook[(hook.LastIndexOf('.') + 1)..];
        var kind = last.StartsWith("hook_", StringComparison.Ordinal) ? last["hook_".Length..] : last;
        return string.Create(CultureInfo.InvariantCulture, $"{Math.Max(HookNames.LayerOf(hook), 0)}-neuronpedia-{kind.Replace('_', '-')}");
    }

    /// <summary>Whether <paramref name="source"/> names saved vectors rather than an SAE.</summary>
    public static bool IsVectorSource(string? source) => source is not null && Pattern().IsMatch(source);

    /// <summary>The saved vector's id from its Neuronpedia index (a whole number as text).</summary>
    public static int Id(string? index, string field) =>
        int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new ArgumentException($"{field} '{index}' is not a saved vector's id.");

    [GeneratedRegex(@"^\d+-neuronpedia-resid-(pre|post)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
