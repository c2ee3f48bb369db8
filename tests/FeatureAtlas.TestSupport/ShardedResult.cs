using System.Text.Json.Nodes;
using Xunit;

namespace FeatureAtlas.TestSupport;

/// <summary>
/// Compares a sharded dashboard build with a single-process one: every value equal, except the feature tables'
/// correlation values (sums added shard by shard), which agree to float precision.
/// </summary>
public static class ShardedResult
{
    // Float sums agree to ~1e-7; the export writes 5 decimals, so a value may land one step (1e-5) away.
    private const double CorrelationTolerance = 2e-5;

    public static void AssertSameJson(string expected, string actual, string what)
    {
        Compare(JsonNode.Parse(expected), JsonNode.Parse(actual), what, correlation: false);
    }

    /// <summary>Two export folders: the same files, JSON compared as <see cref="AssertSameJson"/>, anything else byte for byte.</summary>
    public static void AssertSameExport(string expectedDirectory, string actualDirectory)
    {
        var files = Directory.GetFiles(expectedDirectory).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(files, Directory.GetFiles(actualDirectory).Select(Path.GetFileName).Order().ToList());
        foreach (var file in files)
        {
            var expected = Path.Combine(expectedDirectory, file!);
            var actual = Path.Combine(actualDirectory, file!);
            if (file!.EndsWith(".json", StringComparison.Ordinal)) AssertSameJson(File.ReadAllText(expected), File.ReadAllText(actual), file);
            else Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{file} differs.");
        }
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, bool correlation)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, found {actual?.ToJsonString()}");
                break;
            case JsonObject o:
                var other = Assert.IsType<JsonObject>(actual);
                Assert.Equal(o.Select(p => p.Key).Order(), other.Select(p => p.Key).Order());
                foreach (var (key, value) in o) Compare(value, other[key], $"{path}.{key}", IsCorrelationValue(key));
                break;
            case JsonArray a:
                var items = Assert.IsType<JsonArray>(actual);
                Assert.True(a.Count == items.Count, $"{path}: {a.Count} items expected, {items.Count} found");
                for (var i = 0; i < a.Count; i++) Compare(a[i], items[i], $"{path}[{i}]", correlation);
                break;
            default:
                if (correlation && actual is JsonValue v && v.TryGetValue<double>(out var found))
                {
                    var wanted = expected.GetValue<double>();
                    Assert.True(Math.Abs(wanted - found) <= CorrelationTolerance, $"{path}: {wanted} expected, {found} found");
                }
                else
                {
                    Assert.True(expected.ToJsonString() == actual?.ToJsonString(), $"{path}: {expected.ToJsonString()} expected, {actual?.ToJsonString()} found");
                }
                break;
        }
    }

    private static bool IsCorrelationValue(string key)
    {
        var name = key.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        return name.StartsWith("correlated", StringComparison.Ordinal) && !name.EndsWith("indices", StringComparison.Ordinal);
    }
}
