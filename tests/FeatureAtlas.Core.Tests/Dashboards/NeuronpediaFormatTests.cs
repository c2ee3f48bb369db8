using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Dashboards;

public class NeuronpediaFormatTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void ExportThenImport_TinyModelDashboards_RoundTripsEveryExample()
    {
        var (dashboards, windows) = BuildTinyDashboards();
        var info = new NeuronpediaExportInfo("tiny-gpt2", "1-res-test", "res-test", "", "synthetic", windows.Count, 16);
        var directory = Directory.CreateTempSubdirectory("atlas-np-").FullName;
        var files = NeuronpediaFormat.Export(dashboards, info, windows.Select((w, i) => (w, i)).ToDictionary(x => x.i, x => x.w), Gpt2Tokenizer.CreateDefault(), directory);
        Assert.Equal(["batch-0.json", "batch-1.json"], files.Select(Path.GetFileName));   // 200 features, 128 per batch

        using (var batch = JsonDocument.Parse(File.ReadAllText(files[0])))
        {
            var feature = batch.RootElement.GetProperty("features")[0];
            var activations = feature.GetProperty("activations");
            if (activations.GetArrayLength() > 0)
            {
                // Neuronpedia's shape: the top group first with bin_min −1, tokens without the BOS.
                Assert.Equal(-1, activations[0].GetProperty("bin_min").GetDouble());
                Assert.Equal(15, activations[0].GetProperty("tokens").GetArrayLength());
            }
        }

        var imported = NeuronpediaFormat.Import(files, Gpt2Tokenizer.CreateDefault());
        Assert.Equal("tiny-gpt2", imported.Info.ModelId);
        Assert.Equal(dashboards.Features.Count, imported.Dashboards.Features.Count);
        for (var f = 0; f < dashboards.Features.Count; f++)
        {
            var original = dashboards.Features[f];
            var copy = imported.Dashboards.Features[f];
            Assert.Equal(Math.Round(original.FracNonzero, 5), copy.FracNonzero);
            Assert.Equal(original.NonzeroCount, copy.NonzeroCount);
            var originalExamples = original.Top.Concat(original.Intervals.SelectMany(g => g.Examples)).ToList();
            var copiedExamples = copy.Top.Concat(copy.Intervals.SelectMany(g => g.Examples)).ToList();
            Assert.Equal(originalExamples.Count, copiedExamples.Count);
            for (var i = 0; i < originalExamples.Count; i++)
            {
                Assert.Equal(windows[originalExamples[i].Window], imported.Windows[copiedExamples[i].Window]);
                Assert.Equal(originalExamples[i].Position, copiedExamples[i].Position);
                Assert.Equal(originalExamples[i].Value, copiedExamples[i].Value, 1e-5);
            }
            // An interval with no examples has no activation to carry it in Neuronpedia's format.
            Assert.Equal(original.Intervals.Where(g => g.Examples.Count > 0).Select(g => (Math.Round(g.Low, 5), g.Examples.Count)),
                copy.Intervals.Select(g => (Math.Round(g.Low, 5), g.Examples.Count)));
            Assert.Equal(original.Logits!.PositiveTokens, copy.Logits!.PositiveTokens);
            Assert.Equal(original.Logits.NegativeTokens, copy.Logits.NegativeTokens);
            // The feature tables travel in Neuronpedia's fields, floats rounded to 5 decimals.
            var (t, c) = (original.Tables!, copy.Tables!);
            Assert.Equal(t.NeuronAlignmentIndices, c.NeuronAlignmentIndices);
            Assert.Equal(t.CorrelatedNeuronsIndices, c.CorrelatedNeuronsIndices);
            Assert.Equal(t.CorrelatedFeaturesIndices, c.CorrelatedFeaturesIndices);
            Assert.Equal(t.CorrelatedNeuronsPearson.Select(v => (float)Math.Round(v, 5)), c.CorrelatedNeuronsPearson);
            Assert.Equal(t.CorrelatedFeaturesCosine.Select(v => (float)Math.Round(v, 5)), c.CorrelatedFeaturesCosine);
            Assert.Equal(t.NeuronAlignmentL1.Select(v => (float)Math.Round(v, 5)), c.NeuronAlignmentL1);
        }

        using var first = JsonDocument.Parse(File.ReadAllText(files[0]));
        var tables = first.RootElement.GetProperty("features")[0];
        Assert.Equal(3, tables.GetProperty("neuron_alignment_indices").GetArrayLength());
        Assert.Equal(Math.Round(dashboards.Features[0].Tables!.CorrelatedNeuronsCosine[0], 5), tables.GetProperty("correlated_neurons_l1")[0].GetDouble());
    }

    [Fact]
    public void Import_SaeDashboardNullTablesAndMismatchedLengths_EmptyOrNamedError()
    {
        var directory = Directory.CreateTempSubdirectory("atlas-np-").FullName;
        var path = Path.Combine(directory, "batch-0.json");
        const string feature = """
            "feature_index": 3, "frac_nonzero": 0, "activations": [], "pos_str": [], "neg_str": [], "pos_values": [], "neg_values": [],
            "freq_hist_data_bar_heights": [], "freq_hist_data_bar_values": [], "logits_hist_data_bar_heights": [], "logits_hist_data_bar_values": [],
            "neuron_alignment_indices": [4, 1], "neuron_alignment_values": [0.5, 0.25], "neuron_alignment_l1": [0.1, 0.05],
            "correlated_neurons_indices": [2], "correlated_neurons_pearson": [0.75], "correlated_neurons_l1": [0.5],
            "correlated_features_indices": null, "correlated_features_pearson": null, "correlated_features_l1": null
            """;
        File.WriteAllText(path, $$"""{"model_id": "m", "layer": "0-res", "features": [{ {{feature}} }]}""");

        var tables = NeuronpediaFormat.Import([path], Gpt2Tokenizer.CreateDefault()).Dashboards.Features[0].Tables!;

        Assert.Equal([4, 1], tables.NeuronAlignmentIndices);
        Assert.Equal([0.75f], tables.CorrelatedNeuronsPearson);
        Assert.Equal([0.5f], tables.CorrelatedNeuronsCosine);
        Assert.Empty(tables.CorrelatedFeaturesIndices);

        File.WriteAllText(path, $$"""{"model_id": "m", "layer": "0-res", "features": [{ {{feature.Replace("[0.1, 0.05]", "[0.1]", StringComparison.Ordinal)}} }]}""");
        var error = Assert.Throws<InvalidDataException>(() => NeuronpediaFormat.Import([path], Gpt2Tokenizer.CreateDefault()));
        Assert.Contains("feature 3", error.Message);
        Assert.Contains("neuron_alignment_l1", error.Message);
    }

    [Fact]
    public void Import_MalformedFile_NamesFileAndFeature()
    {
        var directory = Directory.CreateTempSubdirectory("atlas-np-").FullName;
        var path = Path.Combine(directory, "batch-0.json");
        File.WriteAllText(path, """{"model_id": "m", "layer": "0-res", "features": [{"feature_index": 7, "frac_nonzero": 0.1}]}""");
        var error = Assert.Throws<InvalidDataException>(() => NeuronpediaFormat.Import([path], Gpt2Tokenizer.CreateDefault()));
        Assert.Contains("batch-0.json, feature 7", error.Message);
        Assert.Contains("activations", error.Message);
    }

    private (SaeDashboards Dashboards, List<int[]> Windows) BuildTinyDashboards()
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));
        var builder = new DashboardBuilder(model, [sae], new DashboardOptions { TopExamples = 4, Intervals = 3, ExamplesPerInterval = 2 });
        var random = new Random(5);
        var windows = Enumerable.Range(0, 12).Select(_ => new[] { 50256 }.Concat(Enumerable.Range(0, 15).Select(_ => random.Next(50000))).ToArray()).ToList();
        builder.Add(windows.SelectMany(w => w).ToArray(), Enumerable.Range(0, windows.Count).ToArray(), 16);
        return (builder.Build()[0], windows);
    }
}
