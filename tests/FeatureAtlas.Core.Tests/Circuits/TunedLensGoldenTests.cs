using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Training;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Core.Tests.Circuits;

/// <summary>
/// The tuned lens on the tiny GPT-2 of tiny_spec.json (3 layers, d_model 96, vocab 50257) against PyTorch
/// (tests/reference/make_tuned_lens_golden.py): the readout of a seeded random lens, its per-layer KL and the KL's
/// gradient with respect to every translator parameter (autograd), and 12 AdamW steps from the identity lens.
/// Tolerance 1e-4, relative to each tensor's largest value (KLs and losses: to the value).
/// </summary>
public sealed class TunedLensGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>, IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly SafetensorsFile _golden = SafetensorsFile.Open(Golden.Path("tuned_lens_golden.safetensors"));

    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    public void Dispose() => _golden.Dispose();

    private TunedLens GoldenLens(Gpt2Model model, string prefix) => TunedLens.Create(model.Config,
        Enumerable.Range(0, model.Config.Layers - 1).Select(l => _golden.ReadFloat32($"{prefix}/{TunedLens.WeightName(l)}")).ToArray(),
        Enumerable.Range(0, model.Config.Layers - 1).Select(l => _golden.ReadFloat32($"{prefix}/{TunedLens.BiasName(l)}")).ToArray());

    private int[] Ints(string name) => _golden.ReadFloat32(name).Select(x => (int)x).ToArray();

    [Theory]
    [InlineData("raw")]
    [InlineData("tl")]
    public void Run_RandomLens_TopTokensAndProbabilitiesMatchPyTorch(string processing)
    {
        // The translators read the centred residual, so a lens fitted on raw weights reads TransformerLens-processed
        // ones (fold_ln, center_writing_weights, center_unembed) the same way.
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory, WeightProcessing.Parse(processing));
        var prompt = Ints("prompt");
        var lens = LogitLens.Run(model, prompt, 5, GoldenLens(model, "lens"));
        var ids = _golden.ReadFloat32("lens/top_ids");
        var probs = _golden.ReadFloat32("lens/top_probs");
        int layers = model.Config.Layers, t = prompt.Length;
        Assert.Equal(layers, lens.Count);
        for (var l = 0; l < layers; l++)
        {
            for (var p = 0; p < t; p++)
            {
                var offset = (l * t + p) * 5;
                Assert.Equal(ids.AsSpan(offset, 5).ToArray().Select(x => (int)x), lens[l].Top[p].Select(e => e.TokenId));
                for (var i = 0; i < 5; i++)
                {
                    Assert.True(Math.Abs(probs[offset + i] - lens[l].Top[p][i].Prob) <= Tolerance * Math.Max(1e-2, probs[offset + i]),
                        $"{processing}: layer {l} position {p} #{i}: {lens[l].Top[p][i].Prob} vs PyTorch {probs[offset + i]}");
                }
            }
        }
    }

    [Fact]
    public void Run_RandomLens_DiffersFromTheLogitLensBelowTheLastLayer()
    {
        var prompt = Ints("prompt");
        var tuned = LogitLens.Run(Model, prompt, 1, GoldenLens(Model, "lens"));
        var logit = LogitLens.Run(Model, prompt, 1);
        Assert.NotEqual(logit[0].Top.Select(r => r[0].Prob), tuned[0].Top.Select(r => r[0].Prob));
        Assert.Equal(logit[^1].Top.Select(r => r[0]), tuned[^1].Top.Select(r => r[0]));
    }

    [Fact]
    public void Run_IdentityLens_EqualsTheLogitLens()
    {
        var prompt = Ints("prompt");
        var tuned = LogitLens.Run(Model, prompt, 3, TunedLens.CreateIdentity(Model.Config));
        var logit = LogitLens.Run(Model, prompt, 3);
        for (var l = 0; l < logit.Count; l++) Assert.Equal(logit[l].Top.SelectMany(r => r), tuned[l].Top.SelectMany(r => r));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(7)]
    public void Objective_RandomLens_KlAndGradientsMatchAutograd(int rowBlock)
    {
        var batch = Ints("batch");
        var objective = TunedLensTrainer.Objective(Model, GoldenLens(Model, "lens"), batch, 2, withGradients: true, rowBlock);

        var kl = _golden.ReadFloat32("kl");
        Assert.Equal(kl.Length, objective.LayerKl.Length);
        for (var l = 0; l < kl.Length; l++) Assert.True(Math.Abs(kl[l] - objective.LayerKl[l]) <= Tolerance * kl[l], $"KL of layer {l}: {objective.LayerKl[l]} vs PyTorch {kl[l]}");
        for (var l = 0; l < kl.Length; l++)
        {
            AssertClose(_golden.ReadFloat32($"grad/{TunedLens.WeightName(l)}"), objective.WeightGradients![l], $"dKL/dA_{l}");
            AssertClose(_golden.ReadFloat32($"grad/{TunedLens.BiasName(l)}"), objective.BiasGradients![l], $"dKL/db_{l}");
        }
    }

    [Fact]
    public void TrainStep_TwelveStepsFromIdentity_LossesAndLensMatchPyTorch()
    {
        var tokens = Ints("train/tokens");
        var losses = _golden.ReadFloat32("train/losses");
        var perLayer = _golden.ReadFloat32("train/layer_kl");
        var lens = TunedLens.CreateIdentity(Model.Config);
        var trainer = TunedLensTrainer.Create(Model, lens, new TunedLensTrainingOptions
        {
            Steps = 12, LearningRate = 3e-3f, WarmupSteps = 3, WeightDecay = 0.01f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f, RowBlock = 11,
        });
        var size = tokens.Length / 12;
        for (var step = 0; step < 12; step++)
        {
            var result = trainer.TrainStep(tokens.AsSpan(step * size, size), 2);
            Assert.True(Math.Abs(result.Loss - losses[step]) <= Tolerance * losses[step], $"step {step + 1}: loss {result.Loss} vs PyTorch {losses[step]}");
            for (var l = 0; l < result.LayerKl.Length; l++)
            {
                var want = perLayer[step * result.LayerKl.Length + l];
                Assert.True(Math.Abs(result.LayerKl[l] - want) <= Tolerance * want, $"step {step + 1} layer {l}: {result.LayerKl[l]} vs {want}");
            }
        }
        Assert.True(losses[^1] < losses[0], "the golden run itself learns");
        for (var l = 0; l < lens.Translators; l++)
        {
            AssertClose(_golden.ReadFloat32($"train/after/{TunedLens.WeightName(l)}"), lens.Weights[l], $"A_{l} after 12 steps");
            AssertClose(_golden.ReadFloat32($"train/after/{TunedLens.BiasName(l)}"), lens.Biases[l], $"b_{l} after 12 steps");
        }
    }

    [Fact]
    public void WriteStateReadState_Resumed_EndsWithTheSameLens()
    {
        var tokens = Ints("train/tokens");
        var size = tokens.Length / 12;
        var options = new TunedLensTrainingOptions { Steps = 4, LearningRate = 3e-3f, WarmupSteps = 1 };
        var straight = TunedLensTrainer.Create(Model, TunedLens.CreateIdentity(Model.Config), options);
        for (var s = 0; s < 4; s++) straight.TrainStep(tokens.AsSpan(s * size, size), 2);

        var first = TunedLensTrainer.Create(Model, TunedLens.CreateIdentity(Model.Config), options);
        for (var s = 0; s < 2; s++) first.TrainStep(tokens.AsSpan(s * size, size), 2);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) first.WriteState(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var resumed = TunedLensTrainer.ReadState(reader, Model, TunedLens.CreateIdentity(Model.Config), options);
        for (var s = 2; s < 4; s++) resumed.TrainStep(tokens.AsSpan(s * size, size), 2);

        Assert.Equal(4, resumed.Step);
        Assert.Equal(straight.TokensSeen, resumed.TokensSeen);
        for (var l = 0; l < straight.Lens.Translators; l++)
        {
            Assert.Equal(straight.Lens.Weights[l], resumed.Lens.Weights[l]);
            Assert.Equal(straight.Lens.Biases[l], resumed.Lens.Biases[l]);
        }
    }

    [Fact]
    public void SaveLoad_RoundTrip_KeepsEveryParameterAndTheTrainingRecord()
    {
        using var dir = new TemporaryDirectory();
        var lens = GoldenLens(Model, "lens");
        var folder = Path.Combine(dir.Path, TunedLens.FolderName);
        lens.Save(folder, new System.Text.Json.Nodes.JsonObject { ["steps"] = 7 });
        lens.Save(folder, new System.Text.Json.Nodes.JsonObject { ["steps"] = 8 });   // replacing works

        var loaded = TunedLens.LoadBeside(dir.Path, Model.Config)!;
        Assert.Equal(8, (int)loaded.Training!["steps"]!);
        for (var l = 0; l < lens.Translators; l++)
        {
            Assert.Equal(lens.Weights[l], loaded.Weights[l]);
            Assert.Equal(lens.Biases[l], loaded.Biases[l]);
        }
        Assert.False(Directory.Exists(folder + ".tmp"));
        Assert.Null(TunedLens.LoadBeside(Path.Combine(dir.Path, "elsewhere"), Model.Config));
    }

    [Fact]
    public void Load_WrongShape_NamesTheFileAndTensor()
    {
        using var dir = new TemporaryDirectory();
        var other = new Gpt2Config { Layers = 3, DModel = 48, Heads = 6, Positions = 64, Vocab = 50257, DMlp = 192 };
        TunedLens.CreateIdentity(other).Save(dir.Path);

        var error = Assert.Throws<InvalidDataException>(() => TunedLens.Load(dir.Path, Model.Config));
        Assert.Contains("d_model", error.Message);
        File.Delete(Path.Combine(dir.Path, TunedLens.ConfigFile));
        error = Assert.Throws<InvalidDataException>(() => TunedLens.Load(dir.Path, Model.Config));
        Assert.Contains("layer_translators.0.weight", error.Message);
        Assert.Contains("[96, 96]", error.Message);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: the golden is all zeros, so the comparison would prove nothing");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"{what}[{i}]: {actual[i]} vs PyTorch {expected[i]} (scale {scale})");
        }
    }
}
