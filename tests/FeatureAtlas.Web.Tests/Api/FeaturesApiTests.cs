using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

public abstract class FeaturesApiTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : FeaturesApiTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : FeaturesApiTests(app), IClassFixture<PostgresAtlasApp>;

    [Fact]
    public async Task GetFeature_WithDashboard_ReturnsNeuronpediaShape()
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();

        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{AtlasApp.Model}/{AtlasApp.Sae}/3"));

        Assert.Equal(AtlasApp.Model, feature.GetProperty("modelId").GetString());
        Assert.Equal("8-res", feature.GetProperty("layer").GetString());   // Neuronpedia's source id of res8 (blocks.8.hook_resid_pre)
        Assert.Equal(3, feature.GetProperty("index").GetString()!.ParseIndex());
        var stored = await app.Store.Dashboards.GetFeatureAsync(AtlasApp.Model, AtlasApp.Sae, 3, CancellationToken.None);
        Assert.Equal(stored!.MaxActivation, feature.GetProperty("maxActApprox").GetSingle());
        Assert.Equal(stored.FracNonzero, feature.GetProperty("frac_nonzero").GetDouble());
        var activations = feature.GetProperty("activations").EnumerateArray().ToArray();
        Assert.NotEmpty(activations);
        // maxValue is the maximum of the row's values (Neuronpedia's); the stored top value sits at the qualifying token.
        foreach (var a in activations)
        {
            var values = a.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(values.Max(), a.GetProperty("maxValue").GetSingle());
        }
        Assert.Contains(activations, a => a.GetProperty("values")[a.GetProperty("qualifyingTokenIndex").GetInt32()].GetSingle() == stored.Top[0].Value);
        Assert.Equal(10, feature.GetProperty("pos_str").GetArrayLength());

        // SAEDashboard's tables in Neuronpedia's fields: ints for indices, floats for values, cosines in *_l1.
        var tables = stored.Tables!;
        Assert.Equal(tables.NeuronAlignmentIndices, feature.GetProperty("neuron_alignment_indices").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(tables.NeuronAlignmentValues, feature.GetProperty("neuron_alignment_values").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(tables.NeuronAlignmentL1, feature.GetProperty("neuron_alignment_l1").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(tables.CorrelatedNeuronsIndices, feature.GetProperty("correlated_neurons_indices").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(tables.CorrelatedNeuronsPearson, feature.GetProperty("correlated_neurons_pearson").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(tables.CorrelatedNeuronsCosine, feature.GetProperty("correlated_neurons_l1").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(tables.CorrelatedFeaturesIndices, feature.GetProperty("correlated_features_indices").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(tables.CorrelatedFeaturesPearson, feature.GetProperty("correlated_features_pearson").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(tables.CorrelatedFeaturesCosine, feature.GetProperty("correlated_features_l1").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Theory]
    [InlineData($"api/feature/{AtlasApp.Model}/{AtlasApp.Sae}/64")]
    [InlineData($"api/feature/{AtlasApp.Model}/{AtlasApp.Sae}/20")]
    [InlineData($"api/feature/{AtlasApp.Model}/no-such-sae/1")]
    [InlineData($"api/feature/no-such-model/{AtlasApp.Sae}/1")]
    public async Task GetFeature_MissingOrWithoutDashboard_Returns404Problem(string path)
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync(path));

        Assert.Contains("/", detail);
    }
}
