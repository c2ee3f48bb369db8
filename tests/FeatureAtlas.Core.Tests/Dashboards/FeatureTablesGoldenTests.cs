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
        var tokens = WindowList.Value.SelectMany(w => w).ToArray();
        var (whole, resumed, _) = StopAndResume(a, x, tokens, s, d, 12 * Length);

        var decoder = new float[s * d];
        Array.Fill(decoder, 1f);
        AssertSameTables(whole.Build(decoder, 3), resumed.Build(decoder, 3));
    }

    [Fact]
    public void Checkpoint_ManyBlocksOfPairSums_ResumesToTheSameBits()
    {
        // 900 features, a silent band among them (long gaps between non-zero pairs: varints of several bytes), and
        // enough co-firing pairs that their sums fill several blocks.
        const int s = 900, d = 3, rows = 40;
        var random = new Random(7);
        var acts = new float[rows * s];
        for (var i = 0; i < acts.Length; i++)
        {
            var f = i % s;
            if (f is >= 200 and < 450 && f != 321) continue;
            if (random.NextDouble() < 0.3) acts[i] = (float)random.NextDouble() * 4;
        }
        var x = Enumerable.Range(0, rows * d).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var tokens = Enumerable.Range(0, rows).Select(t => 1000 + t).ToArray();

        var (whole, resumed, bytes) = StopAndResume(acts, x, tokens, s, d, rows / 2);

        Assert.True(bytes > 600_000, $"{bytes} bytes: too few pair sums for several blocks.");
        var decoder = Enumerable.Range(0, s * d).Select(i => (float)Math.Sin(i)).ToArray();
        AssertSameTables(whole.Build(decoder, 5), resumed.Build(decoder, 5));
    }

    [Fact]
    public void Read_VersionTwoCheckpoint_RestoresItsSums()
    {
        // The sums of Accumulator_SaeWiderThanTheLimit's two positions, worked out by hand and written as version 2
        // did: pair sums as (int64 index, float32) records, the triangle row by row, (0,1) at 0 … (3,4) at 9.
        float[] acts = [1, 0, 2, 0, 1, 2, 1, 0, 0, 3];
        float[] x = [1, 2, 3, 5];
        var options = new DashboardOptions();
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(2);
            w.Write(5);
            w.Write(2);
            w.Write(2L);
            foreach (double[] sums in new[] { new double[] { 3, 1, 2, 0, 4 }, [5, 1, 4, 0, 10], [4, 7], [10, 29] })
            {
                w.Write((long)sums.Length);
                foreach (var v in sums) w.Write(v);
            }
            (int Feature, double[] Sums)[] crossRows = [(0, [7, 12]), (1, [3, 5]), (2, [2, 4]), (4, [10, 17])];
            w.Write(crossRows.Length);
            foreach (var (feature, sums) in crossRows)
            {
                w.Write(feature);
                foreach (var v in sums) w.Write(v);
            }
            w.Write(true);
            (long Index, float Sum)[] pairs = [(0, 2), (1, 2), (3, 7), (6, 3), (8, 2)];
            w.Write((long)pairs.Length);
            foreach (var (index, sum) in pairs)
            {
                w.Write(index);
                w.Write(sum);
            }
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);

        var restored = CorrelationAccumulator.Read(reader, options);

        var direct = new CorrelationAccumulator(5, 2, options);
        direct.Add(acts, x, [7, 8], 2);
        var decoder = new float[] { 1, 0, 0, 1, 1, 1, 1, -1, 0.5f, 2 };
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(2, restored.Positions);
        AssertSameTables(direct.Build(decoder, 3), restored.Build(decoder, 3));
    }

    /// <summary>
    /// One accumulator fed every row, and one fed the first <paramref name="half"/> rows, written, read back and fed
    /// the rest; with the checkpoint's length, every byte of which the read must take.
    /// </summary>
    private static (CorrelationAccumulator Whole, CorrelationAccumulator Resumed, long Bytes) StopAndResume(float[] acts, float[] x, int[] tokens, int s, int d, int half)
    {
        var options = new DashboardOptions();
        var rows = tokens.Length;
        var whole = new CorrelationAccumulator(s, d, options);
        whole.Add(acts, x, tokens, rows);
        var first = new CorrelationAccumulator(s, d, options);
        first.Add(acts.AsSpan(0, half * s), x.AsSpan(0, half * d), tokens.AsSpan(0, half), half);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) first.Write(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var resumed = CorrelationAccumulator.Read(reader, options);
        Assert.Equal(stream.Length, stream.Position);
        resumed.Add(acts.AsSpan(half * s), x.AsSpan(half * d), tokens.AsSpan(half), rows - half);
        return (whole, resumed, stream.Length);
    }

    private static void AssertSameTables(IReadOnlyList<FeatureTables> expected, IReadOnlyList<FeatureTables> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var f = 0; f < expected.Count; f++)
        {
            Assert.Equal(expected[f].CorrelatedNeuronsIndices, actual[f].CorrelatedNeuronsIndices);
            Assert.Equal(expected[f].CorrelatedNeuronsPearson, actual[f].CorrelatedNeuronsPearson);
            Assert.Equal(expected[f].CorrelatedFeaturesIndices, actual[f].CorrelatedFeaturesIndices);
            Assert.Equal(expected[f].CorrelatedFeaturesPearson, actual[f].CorrelatedFeaturesPearson);
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
