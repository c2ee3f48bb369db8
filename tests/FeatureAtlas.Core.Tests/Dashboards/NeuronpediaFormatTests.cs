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
        }
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
