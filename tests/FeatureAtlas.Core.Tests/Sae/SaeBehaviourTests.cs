using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Sae;

/// <summary>
/// What a user of an SAE relies on beyond parity: the hand-computed toy SAE of the SAE-formats notes (§7),
/// TopK's tie and sign rules, fold_W_dec_norm's invariants, Save/Load round trips and clear loading errors.
/// </summary>
public class SaeBehaviourTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    // The toy SAE (d_in 2, d_sae 3): W_enc [I, S], W_dec [S, I], row-major. x′ = x − b_dec = [1, 1], h = [1, 0.5, 1].
    private static readonly float[] ToyWEnc = [1, 0, 1, 0, 1, 1];
    private static readonly float[] ToyBEnc = [0, -0.5f, -1];
    private static readonly float[] ToyWDec = [1, 0, 0, 1, 0.5f, 0.5f];
    private static readonly float[] ToyBDec = [0.1f, -0.1f];
    private static readonly float[] ToyInput = [1.1f, 0.9f];

    public static TheoryData<string, float[], float[]> ToyCases() => new()
    {
        { "standard", [1, 0.5f, 1], [1.6f, 0.9f] },
        { "jumprelu", [1, 0, 1], [1.6f, 0.4f] },          // θ = [0.9, 0.6, 0.9] drops h = 0.5
        { "topk", [1, 0, 1], [1.6f, 0.4f] },              // k = 2 keeps the two 1s
        { "gated", [1, 1, 2], [2.1f, 1.9f] },             // b_gate = b_enc, r_mag = 0, b_mag = 0
    };

    [Theory]
    [MemberData(nameof(ToyCases))]
    public void EncodeDecode_ToySae_GivesTheHandComputedTable(string architecture, float[] expectedF, float[] expectedXHat)
    {
        var json = ConfigJson(dIn: 2, dSae: 3, architecture);
        if (architecture == "topk") json["k"] = 2;
        var gated = architecture == "gated";
        var parameters = new SaeParameters
        {
            WEnc = ToyWEnc,
            WDec = ToyWDec,
            BDec = ToyBDec,
            BEnc = gated ? null : ToyBEnc,
            Threshold = architecture == "jumprelu" ? [0.9f, 0.6f, 0.9f] : null,
            BGate = gated ? ToyBEnc : null,
            RMag = gated ? [0, 0, 0] : null,
            BMag = gated ? [0, 0, 0] : null,
        };
        var sae = SparseAutoencoder.FromParameters(SaeConfig.Parse(json, "toy"), parameters);
        // Two identical rows: the second catches a row-stride mistake.
        float[] x = [.. ToyInput, .. ToyInput];

        var f = sae.Encode(x, rows: 2);
        var xHat = new float[4];
        sae.Decode(f, 2, xHat);
        var reconstructed = new float[4];
        sae.Reconstruct(x, 2, new float[6], reconstructed);

        AssertWithin(1e-6, [.. expectedF, .. expectedF], f, $"{architecture} f");
        AssertWithin(1e-6, [.. expectedXHat, .. expectedXHat], xHat, $"{architecture} x̂");
        AssertWithin(1e-6, [.. expectedXHat, .. expectedXHat], reconstructed, $"{architecture} Reconstruct");
    }

    [Fact]
    public void Encode_TopKTiesAndNegatives_KeepLowestIndicesAndApplyRelu()
    {
        // Identity encoder and zero biases, so h equals the input row.
        var json = ConfigJson(dIn: 4, dSae: 4, "topk");
        json["k"] = 2;
        float[] identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        var sae = SparseAutoencoder.FromParameters(SaeConfig.Parse(json, "topk-identity"),
            new SaeParameters { WEnc = identity, WDec = identity, BDec = new float[4], BEnc = new float[4] });
        float[] x =
        [
            1, 3, 3, 3,       // three-way tie for the top 2: indices 1 and 2 stay
            3, 1, 3, 3,       // indices 0 and 2 stay
            2, -1, -3, -5,    // −1 is in the top 2 but ReLU makes it 0
            -4, -1, -2, -3,   // all negative: nothing fires
        ];

        var f = sae.Encode(x, rows: 4);

        Assert.Equal([0, 3, 3, 0, 3, 0, 3, 0, 2, 0, 0, 0, 0, 0, 0, 0], f);
    }

    /// <summary>Fixture SAEs (all read the unprocessed model) and their hooks.</summary>
    public static TheoryData<string, string> FixtureSaes() => new()
    {
        { "standard-resid-pre-1", "blocks.1.hook_resid_pre" },
        { "jumprelu-resid-post-2", "blocks.2.hook_resid_post" },
        { "topk-mlp-out-0", "blocks.0.hook_mlp_out" },
        { "topk-rescaled-attn-out-1", "blocks.1.hook_attn_out" },
        { "gated-resid-mid-1", "blocks.1.hook_resid_mid" },
        { "layernorm-resid-pre-2", "blocks.2.hook_resid_pre" },
    };

    /// <summary>
    /// The SAEs whose function fold_W_dec_norm keeps while scaling activation i by ‖W_dec[i]‖. TopK without
    /// rescaling folds by scaling after the top-k choice (scaling pre-activations by different norms would change
    /// which k win); a rescaled TopK already reports activations in unit-norm units (its own test below).
    /// </summary>
    public static TheoryData<string, string> FoldableSaes() => new()
    {
        { "standard-resid-pre-1", "blocks.1.hook_resid_pre" },
        { "jumprelu-resid-post-2", "blocks.2.hook_resid_post" },
        { "gated-resid-mid-1", "blocks.1.hook_resid_mid" },
        { "layernorm-resid-pre-2", "blocks.2.hook_resid_pre" },
        { "topk-mlp-out-0", "blocks.0.hook_mlp_out" },
    };

    [Theory]
    [MemberData(nameof(FoldableSaes))]
    public void FoldDecoderNorms_FixtureSae_KeepsReconstructionAndScalesActivationsByOldNorm(string name, string hook)
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        var x = fixture.Golden($"raw/{hook}");   // all of these SAEs read the unprocessed model
        var rows = x.Length / sae.DIn;
        var oldNorms = RowNorms(sae.Parameters.WDec, sae.DSae, sae.DIn);
        Assert.Contains(oldNorms, n => Math.Abs(n - 1) > 0.01);   // otherwise folding would change nothing
        var (before, reconstructionBefore) = Reconstruct(sae, x, rows);

        sae.FoldDecoderNorms();
        var (after, reconstructionAfter) = Reconstruct(sae, x, rows);

        TestData.AssertClose(reconstructionBefore, reconstructionAfter, 1e-5, $"{name} reconstruction after folding");
        Assert.All(RowNorms(sae.Parameters.WDec, sae.DSae, sae.DIn), n => Assert.True(Math.Abs(n - 1) < 1e-5, $"decoder row norm {n}, expected 1."));
        var expected = new float[before.Length];
        for (var i = 0; i < before.Length; i++) expected[i] = (float)(before[i] * oldNorms[i % sae.DSae]);
        TestData.AssertClose(expected, after, 1e-5, $"{name} activations after folding");
        for (var i = 0; i < before.Length; i++) Assert.True(before[i] > 0 == after[i] > 0, $"{name}: feature {i % sae.DSae} at row {i / sae.DSae} changed activity.");
    }

    [Fact]
    public void FoldDecoderNorms_TopKRescaledByDecoderNorm_KeepsActivationsAndReconstruction()
    {
        const string name = "topk-rescaled-attn-out-1";
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        Assert.True(sae.Config.RescaleActsByDecoderNorm);
        var x = fixture.Golden("raw/blocks.1.hook_attn_out");
        var rows = x.Length / sae.DIn;
        Assert.Contains(RowNorms(sae.Parameters.WDec, sae.DSae, sae.DIn), n => Math.Abs(n - 1) > 0.01);
        var (before, reconstructionBefore) = Reconstruct(sae, x, rows);

        sae.FoldDecoderNorms();
        var (after, reconstructionAfter) = Reconstruct(sae, x, rows);

        // Selection ran on h·‖W_dec[i]‖ before and runs on the same numbers after (SAELens's _fold_norm_topk).
        TestData.AssertClose(reconstructionBefore, reconstructionAfter, 1e-5, $"{name} reconstruction after folding");
        TestData.AssertClose(before, after, 1e-5, $"{name} activations after folding");
        Assert.All(RowNorms(sae.Parameters.WDec, sae.DSae, sae.DIn), n => Assert.True(Math.Abs(n - 1) < 1e-5, $"decoder row norm {n}, expected 1."));
    }

    [Theory]
    [MemberData(nameof(FixtureSaes))]
    public void SaveThenLoad_FixtureSae_EncodesIdentically(string name, string hook)
    {
        using var temp = new TemporaryDirectory();
        var original = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        var x = fixture.Golden($"raw/{hook}");
        var rows = x.Length / original.DIn;

        original.Save(temp.Combine(name));
        var reloaded = SparseAutoencoder.Load(temp.Combine(name));

        Assert.Equal(name, reloaded.Name);
        Assert.Equal(original.Config.Architecture, reloaded.Config.Architecture);
        Assert.Equal(original.HookName, reloaded.HookName);
        Assert.Equal(original.Encode(x, rows), reloaded.Encode(x, rows));
        Assert.False(File.Exists(temp.Combine(name, "cfg.json.tmp")));
    }

    [Fact]
    public void Load_WEncOfWrongShape_NamesTensorAndBothShapes()
    {
        using var temp = new TemporaryDirectory();
        var directory = WriteSaeFolder(temp, ConfigJson(dIn: 2, dSae: 3, "standard"),
            new("W_enc", [3, 2], ToyWEnc), new("W_dec", [3, 2], ToyWDec), new("b_dec", [2], ToyBDec), new("b_enc", [3], ToyBEnc));

        var error = Assert.Throws<InvalidDataException>(() => SparseAutoencoder.Load(directory));

        Assert.Contains("W_enc", error.Message);
        Assert.Contains("[3, 2]", error.Message);   // found
        Assert.Contains("[2, 3]", error.Message);   // [d_in, d_sae] from cfg.json
        Assert.Contains("sae_weights.safetensors", error.Message);
    }

    [Fact]
    public void Load_JumpReluWithoutThreshold_NamesThreshold()
    {
        using var temp = new TemporaryDirectory();
        var directory = WriteSaeFolder(temp, ConfigJson(dIn: 2, dSae: 3, "jumprelu"),
            new("W_enc", [2, 3], ToyWEnc), new("W_dec", [3, 2], ToyWDec), new("b_dec", [2], ToyBDec), new("b_enc", [3], ToyBEnc));

        var error = Assert.Throws<InvalidDataException>(() => SparseAutoencoder.Load(directory));

        Assert.Contains("threshold", error.Message);
        Assert.Contains("sae_weights.safetensors", error.Message);
    }

    private static JsonObject ConfigJson(int dIn, int dSae, string architecture) => new()
    {
        ["d_in"] = dIn,
        ["d_sae"] = dSae,
        ["architecture"] = architecture,
        ["apply_b_dec_to_input"] = true,
        ["normalize_activations"] = "none",
        ["metadata"] = new JsonObject { ["hook_name"] = "blocks.0.hook_resid_pre" },
    };

    private static string WriteSaeFolder(TemporaryDirectory temp, JsonObject cfg, params SafetensorsWriter.Entry[] tensors)
    {
        var directory = temp.Combine("sae");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "cfg.json"), cfg.ToJsonString());
        SafetensorsWriter.Write(Path.Combine(directory, "sae_weights.safetensors"), tensors);
        return directory;
    }

    private static (float[] Features, float[] Reconstruction) Reconstruct(SparseAutoencoder sae, float[] x, int rows)
    {
        var features = new float[rows * sae.DSae];
        var reconstruction = new float[rows * sae.DIn];
        sae.Reconstruct(x, rows, features, reconstruction);
        return (features, reconstruction);
    }

    private static double[] RowNorms(float[] matrix, int rows, int width) =>
        Enumerable.Range(0, rows).Select(r => Math.Sqrt(matrix.AsSpan(r * width, width).ToArray().Sum(v => (double)v * v))).ToArray();

    private static void AssertWithin(double tolerance, float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}] = {actual[i]}, expected {expected[i]} ± {tolerance}.");
        }
    }
}
