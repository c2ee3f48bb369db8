namespace FeatureAtlas.Core.Search;

/// <summary>
/// What <see cref="FeatureSearch.Search(ReadOnlySpan{int}, FeatureSearchOptions)"/> ranks, with Neuronpedia
/// search-all's request fields and defaults (<c>selectedLayers</c>, <c>sortIndexes</c>, <c>ignoreBos</c>,
/// <c>densityThreshold</c>, <c>numResults</c>).
/// </summary>
public sealed class FeatureSearchOptions
{
    /// <summary>SAE names to search; empty means every SAE of the session.</summary>
    public IReadOnlyCollection<string> Saes { get; init; } = [];

    /// <summary>Layers (the block index of the SAE's hook) to search; empty means all. Combined with <see cref="Saes"/> by AND.</summary>
    public IReadOnlyCollection<int> Layers { get; init; } = [];

    /// <summary>
    /// Token positions to rank by: empty ranks by the maximum over all positions; otherwise by the sum of the
    /// activations at these positions (a position listed twice counts twice, as in Neuronpedia).
    /// </summary>
    public IReadOnlyList<int> SortIndexes { get; init; } = [];

    /// <summary>When position 0 is BOS (50256), treat its activations as zero: it never wins the maximum or adds to a sum.</summary>
    public bool IgnoreBos { get; init; } = true;

    /// <summary>Negative: off. Otherwise features whose frac_nonzero exceeds it are left out (needs <see cref="FracNonzero"/>).</summary>
    public float DensityThreshold { get; init; } = -1f;

    /// <summary>frac_nonzero [S] by SAE name, from the dashboards; an SAE absent here is not density-filtered.</summary>
    public IReadOnlyDictionary<string, float[]>? FracNonzero { get; init; }

    /// <summary>
    /// Rank by the key divided by the feature's largest activation in its dashboards (<see cref="MaxActivation"/>), so
    /// SAEs whose activations differ in scale compete fairly (Neuronpedia readers expect it); features without a
    /// positive stored maximum are left out. False: the raw key, as Neuronpedia's search-all ranks.
    /// </summary>
    public bool RelativeToMax { get; init; }

    /// <summary>max_act [S] by SAE name, from the dashboards; needed by <see cref="RelativeToMax"/> for every SAE searched.</summary>
    public IReadOnlyDictionary<string, float[]>? MaxActivation { get; init; }

    /// <summary>How many features to return, 1 to <see cref="FeatureSearch.MaxResults"/> (Neuronpedia's default 50).</summary>
    public int NumResults { get; init; } = 50;
}
