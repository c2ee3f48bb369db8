namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>Where the map page draws points, computed from the API's coordinates, for the map page tests.</summary>
public static class MapScreen
{
    /// <summary>
    /// Where each point is drawn, in CSS pixels from the canvas's top-left: the page fits the data's bounding box
    /// into 92% of the canvas, centred, with y up (map.js fit and toScreen), computed here from the API's coordinates.
    /// </summary>
    public static (double X, double Y)[] Screen(float[] x, float[] y, double width, double height)
    {
        double minX = x.Min(), maxX = x.Max(), minY = y.Min(), maxY = y.Max();
        var scale = 0.92 * Math.Min(width / (maxX - minX), height / (maxY - minY));
        double dx = width / 2 - scale * (minX + maxX) / 2, dy = height / 2 + scale * (minY + maxY) / 2;
        return x.Select((_, i) => (dx + scale * x[i], dy - scale * y[i])).ToArray();
    }

    /// <summary>Each point's distance to its nearest other point.</summary>
    public static double[] NearestGap(IReadOnlyList<(double X, double Y)> points) =>
        points.Select((p, i) => Enumerable.Range(0, points.Count).Where(j => j != i)
            .Min(j => Math.Sqrt(Math.Pow(p.X - points[j].X, 2) + Math.Pow(p.Y - points[j].Y, 2)))).ToArray();

    /// <summary>Positions of the <paramref name="count"/> points farthest from their nearest neighbour, loneliest first.</summary>
    public static int[] Loneliest(IReadOnlyList<(double X, double Y)> points, int count)
    {
        var gap = NearestGap(points);
        return Enumerable.Range(0, points.Count).OrderByDescending(i => gap[i]).Take(count).ToArray();
    }
}
