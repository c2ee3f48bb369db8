namespace FeatureAtlas.Core.Dashboards;

/// <summary>One feature's non-zero activations over one corpus window: positions ascending, and their values.</summary>
internal sealed record WindowActivations(int[] Positions, float[] Values)
{
    /// <summary>Reads column <paramref name="feature"/> of a window's rows in [rows, features] activations.</summary>
    public static WindowActivations Read(float[] activations, int localWindow, int length, int features, int feature)
    {
        var count = 0;
        var start = (long)localWindow * length * features + feature;
        for (var t = 0; t < length; t++)
        {
            if (activations[start + (long)t * features] != 0f) count++;
        }
        var positions = new int[count];
        var values = new float[count];
        var k = 0;
        for (var t = 0; t < length; t++)
        {
            var a = activations[start + (long)t * features];
            if (a == 0f) continue;
            positions[k] = t;
            values[k++] = a;
        }
        return new WindowActivations(positions, values);
    }
}
