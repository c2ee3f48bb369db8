using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>
/// The joint map's promises: every feature of each SAE placed once, in one space where a direction shared by two
/// SAEs lands in one place; SAEs that do not share a space refused; stopped and rerun, the uninterrupted map.
/// </summary>
public sealed class JointUmapJobTests : IDisposable
{
    private const string Model = "model";
    private const string Hook = "blocks.1.hook_resid_pre";
    private static readonly Gpt2Config Config = new() { Layers = 2, DModel = 64, Heads = 4, Positions = 32, Vocab = 100, DMlp = 256 };
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _root = Directory.CreateTempSubdirectory("atlas-joint-umap-job-").FullName;

    /// <summary>A random SAE (unit W_dec rows) saved under the test folder.</summary>
    private string RandomSae(string name, int dSae, ulong seed, Gpt2Config? config = null, string modelName = Model)
    {
        var directory = Path.Combine(_root, name);
        SaeInitializer.Create(config ?? Config, modelName, Hook, dSae, SaeArchitecture.Standard, seed).Save(directory);
        return directory;
    }

    /// <summary>
    /// SAE B: A's decoder rows in another order, each nudged by noise of norm ≈ 0.1 (cosine ≈ 0.995 to its original):
    /// B's feature j is A's feature perm[j].
    /// </summary>
    private string PermutedCopy(string a, string name, int seed, out int[] perm)
    {
        var source = SparseAutoencoder.Load(a);
        int s = source.DSae, d = source.DIn;
        perm = Enumerable.Range(0, s).ToArray();
        var random = new Random(seed);
        random.Shuffle(perm);
        var wDec = new float[s * d];
        for (var j = 0; j < s; j++)
        {
            var norm = source.DecoderNorms[perm[j]];
            for (var c = 0; c < d; c++)
            {
                var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                wDec[j * d + c] = source.Parameters.WDec[perm[j] * d + c] / norm + (float)(0.1 / Math.Sqrt(d) * gaussian);
            }
        }
        var p = source.Parameters;
        var parameters = new SaeParameters { WEnc = p.WEnc, WDec = wDec, BDec = p.BDec, BEnc = p.BEnc };
        var directory = Path.Combine(_root, name);
        SparseAutoencoder.FromParameters(source.Config, parameters).Save(directory);
        return directory;
    }

    private async Task<AtlasStores> StoreAsync(string name, params (string Sae, string Directory)[] saes)
    {
        var store = await AtlasDatabase.OpenAsync(Path.Combine(_root, $"{name}.db"), None);
        await store.Models.UpsertModelAsync(new ModelRecord(Model, null, "{}", 2, 64, 100), None);
        foreach (var (sae, directory) in saes)
        {
            var weights = SparseAutoencoder.Load(directory);
            await store.Models.UpsertSaeAsync(new SaeRecord(Model, sae, directory, Hook, 1, weights.DIn, weights.DSae, "standard", "{}"), None);
        }
        return store;
    }

    private JointUmapJobOptions Options(string run, string[] saes, int epochs = 100, string? name = null) => new()
    {
        Model = Model, Saes = saes, Name = name, Umap = new UmapOptions { Seed = 3, NEpochs = epochs },
        CheckpointInterval = TimeSpan.Zero, CheckpointDirectory = Path.Combine(_root, $"{run}-checkpoints"),
    };

    [Fact]
    public async Task RunAsync_ThreeSaes_StoresEveryFeatureOfEachSaeOnceAsOneNamedMap()
    {
        var store = await StoreAsync("three", ("a", RandomSae("a", 300, 1)), ("b", RandomSae("b", 200, 2)), ("c", RandomSae("c", 100, 3)));

        var result = await JointUmapJob.RunAsync(Options("three", ["b", "a", "c"], epochs: 50), store.Models, store.Umaps, null, None);

        var map = await store.Umaps.GetJointUmapAsync(Model, "b+a+c", None);
        Assert.Equal(600, result.Points);
        Assert.Equal(["b", "a", "c"], map!.Saes);
        var placed = map.Sae.Select((s, p) => (Sae: map.Saes[s], Index: map.Indices[p])).ToArray();
        var expected = new[] { ("b", 200), ("a", 300), ("c", 100) }.SelectMany(x => Enumerable.Range(0, x.Item2).Select(i => (Sae: x.Item1, Index: i)));
        Assert.Equal(expected, placed);   // each feature once, SAE by SAE in the map's order, each in index order
        Assert.All(map.X.Concat(map.Y), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(result.Coordinates.Where((_, i) => i % 2 == 0), map.X);
        var info = Assert.Single(await store.Umaps.ListJointUmapsAsync(Model, None));
        Assert.Equal(("b+a+c", 600), (info.Name, info.Points));
        Assert.Null(await store.Umaps.GetUmapAsync(Model, "a", None));   // no per-SAE map was made or changed
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "three-checkpoints")));
    }

    [Fact]
    public async Task RunAsync_BIsAPermutedCopyOfA_EachPartnerLandsFarCloserThanRandomPairs()
    {
        var a = RandomSae("a", 400, 7);
        var b = PermutedCopy(a, "b", seed: 11, out var perm);
        var store = await StoreAsync("partners", ("a", a), ("b", b));

        await JointUmapJob.RunAsync(Options("partners", ["a", "b"], epochs: 200, name: "a and b"), store.Models, store.Umaps, null, None);

        var map = (await store.Umaps.GetJointUmapAsync(Model, "a and b", None))!;
        var position = map.Sae.Select((s, p) => (s, map.Indices[p], p)).ToDictionary(x => (x.s, x.Item2), x => x.p);
        double Distance(int pa, int pb) => Math.Sqrt(Math.Pow(map.X[pa] - map.X[pb], 2) + Math.Pow(map.Y[pa] - map.Y[pb], 2));
        var partner = new double[perm.Length];
        for (var j = 0; j < perm.Length; j++) partner[perm[j]] = Distance(position[(0, perm[j])], position[(1, j)]);
        var random = new Random(5);
        var pairs = Enumerable.Range(0, 20_000).Select(_ => Distance(position[(0, random.Next(400))], position[(1, random.Next(400))])).Order().ToArray();
        double median = pairs[pairs.Length / 2], fifthPercentile = pairs[pairs.Length / 20];
        // How many B features lie nearer to A's feature than its partner does (0: the partner is the nearest).
        var ranks = Enumerable.Range(0, perm.Length)
            .Select(i => Enumerable.Range(0, perm.Length).Count(j => perm[j] != i && Distance(position[(0, i)], position[(1, j)]) < partner[i])).ToArray();

        // A shared direction is one place on the map: the partner is far nearer than a typical B feature and nearly
        // always among the few nearest of all 400 (seen: median distance 0.09 against 2.5, 90% of partners among
        // the 3 nearest). Embedded apart, or with B's points misfiled, partners would be as far as random pairs.
        Assert.True(partner.Order().ElementAt(200) < median / 10, $"median partner distance {partner.Order().ElementAt(200):F3}, median pair {median:F3}");
        Assert.True(partner.Count(p => p < fifthPercentile) >= 0.95 * perm.Length, $"{partner.Count(p => p < fifthPercentile)} of 400 partners within the 5th percentile {fifthPercentile:F3}");
        Assert.True(ranks.Count(r => r < 5) >= 0.9 * perm.Length, $"the partner is among the 5 nearest B features for {ranks.Count(r => r < 5)} of 400");
    }

    [Fact]
    public async Task RunAsync_SaesOfAnotherWidthOrModel_RefusedNamingThemAndNothingStored()
    {
        var store = await StoreAsync("refused",
            ("a", RandomSae("a", 100, 1)),
            ("narrow", RandomSae("narrow", 100, 2, Config with { DModel = 32, Heads = 2 })),
            ("pythia", RandomSae("pythia", 100, 3, modelName: "pythia-70m")));

        var width = await Assert.ThrowsAsync<ArgumentException>(() => JointUmapJob.RunAsync(Options("w", ["a", "narrow"]), store.Models, store.Umaps, null, None));
        var model = await Assert.ThrowsAsync<ArgumentException>(() => JointUmapJob.RunAsync(Options("m", ["a", "pythia"]), store.Models, store.Umaps, null, None));
        var one = await Assert.ThrowsAsync<ArgumentException>(() => JointUmapJob.RunAsync(Options("o", ["a"]), store.Models, store.Umaps, null, None));
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => JointUmapJob.RunAsync(Options("t", ["a", "a"]), store.Models, store.Umaps, null, None));
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => JointUmapJob.RunAsync(Options("k", ["a", "nope"]), store.Models, store.Umaps, null, None));

        Assert.Equal("SAEs of a joint map must share d_in: 'a' has d_in 64, 'narrow' has d_in 32.", width.Message);
        Assert.Equal("SAEs of a joint map must come from one model: 'a' is an SAE of 'model', 'pythia' of 'pythia-70m' (cfg.json model_name).", model.Message);
        Assert.Contains("two or more SAEs; 1 given", one.Message);
        Assert.Contains("SAE 'a' is named twice", twice.Message);
        Assert.Contains("'nope'", missing.Message);
        Assert.Empty(await store.Umaps.ListJointUmapsAsync(Model, None));
    }

    [Fact]
    public async Task RunAsync_CancelledDuringEpochsThenRerun_StoresTheUninterruptedMap()
    {
        var a = RandomSae("a", 150, 1);
        var b = RandomSae("b", 120, 2);
        var whole = await StoreAsync("whole", ("a", a), ("b", b));
        await JointUmapJob.RunAsync(Options("whole", ["a", "b"]), whole.Models, whole.Umaps, null, None);
        var expected = await whole.Umaps.GetJointUmapAsync(Model, "a+b", None);

        var store = await StoreAsync("resumed", ("a", a), ("b", b));
        var options = Options("resumed", ["a", "b"]);
        using var cancellation = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => JointUmapJob.RunAsync(options, store.Models, store.Umaps, new CancelAt(40, cancellation), cancellation.Token));
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory, "*.ckpt"));
        Assert.Empty(await store.Umaps.ListJointUmapsAsync(Model, None));

        var seen = new List<JobProgress>();
        await JointUmapJob.RunAsync(options, store.Models, store.Umaps, new Collect(seen), None);

        Assert.DoesNotContain(seen, p => p.Stage == "neighbors");        // the kNN graph came from the checkpoint
        Assert.Equal(40, seen.First(p => p.Stage == "epochs").Done);     // and so did the layout, at epoch 40
        var resumed = await store.Umaps.GetJointUmapAsync(Model, "a+b", None);
        Assert.Equal(expected!.X, resumed!.X);
        Assert.Equal(expected.Y, resumed.Y);
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
