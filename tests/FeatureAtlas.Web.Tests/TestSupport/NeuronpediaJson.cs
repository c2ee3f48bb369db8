using System.Globalization;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>Reading Neuronpedia's JSON conventions back: feature indexes and ids are strings of digits.</summary>
public static class NeuronpediaJson
{
    /// <summary>A string index ("14057"); throws unless it is exactly an invariant-culture integer.</summary>
    public static int ParseIndex(this string index) => int.Parse(index, NumberStyles.None, CultureInfo.InvariantCulture);
}
