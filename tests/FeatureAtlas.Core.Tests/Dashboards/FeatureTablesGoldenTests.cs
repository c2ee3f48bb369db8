using System.Text.Json.Nodes;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>
/// SAEDashboard's feature tables against tests/reference/make_feature_tables_golden.py, which computes every
/// correlation from centred float64 matrices holding all positions. Rows whose values lie closer together than
/// the tolerance may swap (the golden lists each table's smallest gap as "margin"), so their order is checked
/// only where the margin is wider.
/// </summary>
public class FeatureTablesGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Length = 16;
    private static readonly string[] Saes = ["standard-resid-pre-1", "topk-mlp-out-0"];
    private static readonly Lazy<JsonObject> GoldenJson = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("feature_tables_golden.json")))!);
    private static readonly Lazy<int[][]> WindowList = new(() =>
        JsonNode.Parse(File.ReadAllText(Golden.Path("dashboard_windows.json")))!["windows"]!.AsArray().Select(w => w!.AsArray().Select(t => (int)t!).ToArray()).ToArray());

    public static TheoryData<string> Names() => new(Saes);

    [Theory]
    [MemberData(nameof(Names))]
    public void Accumulator_OnReferenceInputs_MatchesBruteForceCorrelations(string saeName)
    {
        var (golden, a, x, s, d) = ReferenceInputs(saeName);
        var accumulator = new CorrelationAccumulator(s, d, new DashboardOptions());
        // Batches of 5 windows, last batch first: the sums may round differently, the tables may not change.
        foreach (var batch in Enumerable.Range(0, WindowList.Value.Length).Chunk(5).Reverse())
        {
            var batchActs = batch.SelectMany(w => a.AsSpan(w * Length * s, Length * s).ToArray()).ToArray();
            var batchX = batch.SelectMany(w => x.AsSpan(w * Length * d, Length * d).ToArray()).ToArray();
            accumulator.Add(batchActs, batchX, batch.SelectMany(w => WindowList.Value[w]).ToArray(), batch.Length * Length);
        }
        Assert.Equal((long)golden["n"]!, accumulator.Positions);

        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(saeName));
        sae.FoldDecoderNorms();
        var tables = accumulator.Build(sae.Parameters.WDec, 3);
        Compare(golden, tables, 1e-5, saeName);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MergeFrom_ShardCheckpoints_MatchesBruteForceCorrelations(string saeName)
    {
        var (golden, a, x, s, d) = ReferenceInputs(saeName);
        var options = new DashboardOptions();
        var tokens = WindowList.Value.SelectMany(w => w).ToArray();
        // Three shards of windows, each written as a worker saves its state, merged into a fresh accumulator last first.
        // One accumulator computes every shard, reset in between, as a worker reuses its builder.
        var merged = new CorrelationAccumulator(s, d, options);
        var part = new CorrelationAccumulator(s, d, options);
        var windows = WindowList.Value.Length;
        foreach (var shard in new[] { (First: 14, Count: windows - 14), (First: 0, Count: 5), (First: 5, Count: 9) })
        {
            var (from, rows) = (shard.First * Length, shard.Count * Length);
            part.Reset();
            part.Add(a.AsSpan(from * s, rows * s), x.AsSpan(from * d, rows * d), tokens.AsSpan(from, rows), rows);
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) part.Write(writer);
            stream.Position = 0;
            using var reader = new BinaryReader(stream);
            merged.MergeFrom(reader);
            Assert.Equal(stream.Length, stream.Position);
        }
        Assert.Equal((long)golden["n"]!, merged.Positions);

        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(saeName));
        sae.FoldDecoderNorms();
        Compare(golden, merged.Build(sae.Parameters.WDec, 3), 1e-5, saeName + " merged");
    }

    [Fact]
    public void MergeFrom_CheckpointOfAnotherWidth_SaysWhatDiffers()
    {
        var options = new DashboardOptions();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) new CorrelationAccumulator(5, 2, options).Write(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);

        var error = Assert.Throws<InvalidDataException>(() => new CorrelationAccumulator(6, 2, options).MergeFrom(reader));

        Assert.Equal("Cannot merge correlations of 5 × 2 into 6 × 2.", error.Message);
    }

    [Fact]
    public void Builder_TinyModelEndToEnd_StoresTablesMatchingBruteForce()
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var builder = new DashboardBuilder(model, Saes.Select(n => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(n))).ToArray(), new DashboardOptions());
        var windows = WindowList.Value;
        builder.Add(windows.SelectMany(w => w).ToArray(), Enumerable.Range(0, windows.Length).ToArray(), Length);
        var results = builder.Build();
        for (var i = 0; i < Saes.Length; i++)
        {
            // This engine's float32 activations differ from the reference's by ~1e-6 relative.
            Compare(GoldenJson.Value["saes"]![Saes[i]]!, results[i].Features.Select(f => f.Tables!).ToArray(), 1e-4, $"end-to-end {Saes[i]}");
        }
    }

    [Fact]
    public void Checkpoint_StopAndResume_GivesTheSameBits()
    {
        var (_, a, x, s, d) = ReferenceInputs(Saes[0]);
        var options = new DashboardOptions();
        var tokens = WindowList.Value.SelectMany(w => w).ToArray();
        var half = 12 * Length;
        var whole = new CorrelationAccumulator(s, d, options);
        whole.Add(a, x, tokens, tokens.Length);
        var first = new CorrelationAccumulator(s, d, options);
        first.Add(a.AsSpan(0, half * s), x.AsSpan(0, half * d), tokens.AsSpan(0, half), half);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) first.Write(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var resumed = CorrelationAccumulator.Read(reader, options);
        resumed.Add(a.AsSpan(half * s), x.AsSpan(half * d), tokens.AsSpan(half), tokens.Length - half);

        var decoder = new float[s * d];
        Array.Fill(decoder, 1f);
        var expected = whole.Build(decoder, 3);
        var actual = resumed.Build(decoder, 3);
        for (var f = 0; f < s; f++)
        {
            Assert.Equal(expected[f].CorrelatedNeuronsIndices, actual[f].CorrelatedNeuronsIndices);
            Assert.Equal(expected[f].CorrelatedNeuronsPearson, actual[f].CorrelatedNeuronsPearson);
            Assert.Equal(expected[f].CorrelatedFeaturesIndices, actual[f].CorrelatedFeaturesIndices);
            Assert.Equal(expected[f].CorrelatedFeaturesCosine, actual[f].CorrelatedFeaturesCosine);
        }
    }

    [Fact]
    public void Accumulator_SaeWiderThanTheLimit_LeavesCorrelatedFeaturesEmpty()
    {
        var options = new DashboardOptions { FeatureCorrelationsMaxFeatures = 4 };
        var accumulator = new CorrelationAccumulator(5, 2, options);
        float[] acts = [1, 0, 2, 0, 1, 2, 1, 0, 0, 3];
        float[] x = [1, 2, 3, 5];
        accumulator.Add(acts, x, [7, 8], 2);

        var tables = accumulator.Build(new float[10], 3);

        Assert.False(accumulator.HasFeatureCorrelations);
        Assert.All(tables, t => Assert.Empty(t.CorrelatedFeaturesIndices));
        Assert.Equal([0, 1], tables[0].CorrelatedNeuronsIndices);   // both inputs rise with feature 0: Pearson 1
    }

    /// <summary>The reference's golden tables of <paramref name="saeName"/>, its activations [N, S] and inputs [N, D], and S and D.</summary>
    private static (JsonNode Golden, float[] Acts, float[] X, int S, int D) ReferenceInputs(string saeName)
    {
        var golden = GoldenJson.Value["saes"]![saeName]!;
        using var acts = SafetensorsFile.Open(Golden.Path("dashboard_acts.safetensors"));
        using var inputs = SafetensorsFile.Open(Golden.Path("feature_tables_inputs.safetensors"));
        return (golden, acts.ReadFloat32($"acts/{saeName}"), inputs.ReadFloat32($"x/{saeName}"), (int)golden["d_sae"]!, (int)golden["d_in"]!);
    }

    private static void Compare(JsonNode golden, IReadOnlyList<FeatureTables> tables, double tolerance, string where)
    {
        foreach (var expected in golden["features"]!.AsArray())
        {
            var f = (int)expected!["f"]!;
            var t = tables[f];
            var at = $"{where} feature {f}";
            var align = expected["align"]!;
            Table(align, "v", t.NeuronAlignmentIndices, t.NeuronAlignmentValues, 1e-6, at + " neuron alignment");
            TestData.AssertClose(Doubles(align["l1"]), t.NeuronAlignmentL1, 1e-6, at + " neuron alignment l1");
            var neurons = expected["neurons"]!;
            Table(neurons, "pearson", t.CorrelatedNeuronsIndices, t.CorrelatedNeuronsPearson, tolerance, at + " correlated neurons");
            if (Ordered(neurons, tolerance)) TestData.AssertClose(Doubles(neurons["cosine"]), t.CorrelatedNeuronsCosine, tolerance, at + " neuron cosines");
            var features = expected["features"]!;
            Table(features, "pearson", t.CorrelatedFeaturesIndices, t.CorrelatedFeaturesPearson, tolerance, at + " correlated features");
            if (Ordered(features, tolerance)) TestData.AssertClose(Doubles(features["cosine"]), t.CorrelatedFeaturesCosine, tolerance, at + " feature cosines");
        }
    }

    /// <summary>The values always; the indices where no two of the top rows (and the next) are within tolerance.</summary>
    private static void Table(JsonNode expected, string valueField, int[] indices, float[] values, double tolerance, string where)
    {
        TestData.AssertClose(Doubles(expected[valueField]), values, tolerance, where);
        if (Ordered(expected, tolerance)) Assert.True(expected["i"]!.AsArray().Select(i => (int)i!).SequenceEqual(indices), $"{where}: indices [{string.Join(", ", indices)}].");
    }

    private static bool Ordered(JsonNode expected, double tolerance) => expected["margin"] is null || (double)expected["margin"]! > 4 * tolerance;

    private static float[] Doubles(JsonNode? node) => node!.AsArray().Select(v => (float)(double)v!).ToArray();
}
