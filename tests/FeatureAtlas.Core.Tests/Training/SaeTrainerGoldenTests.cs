using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The trainer against PyTorch (tests/reference/make_train_golden.py, float64 autograd + torch.optim.Adam):
/// the same init and batches give the same loss, gradients, and parameters after one and three steps.
/// </summary>
public sealed class SaeTrainerGoldenTests : IDisposable
{
    private const int DIn = 16, DSae = 48, Batch = 32;
    private readonly SafetensorsFile _golden = SafetensorsFile.Open(Golden.Path("train_golden.safetensors"));

    public void Dispose() => _golden.Dispose();

    internal static SaeTrainingOptions GoldenOptions(SaeArchitecture architecture) => new()
    {
        Architecture = architecture, DSae = DSae, BatchTokens = Batch, Steps = 3, K = 6,
        L1Coefficient = 0.7f, L0Coefficient = 0.3f, L1WarmupSteps = 2, Bandwidth = 0.1f,
        LearningRate = 1e-3f, LrWarmupSteps = 2, LrDecaySteps = 1, LrEnd = 1e-4f, BDecInit = BDecInit.Zeros,
    };

    [Theory]
    [InlineData(SaeArchitecture.Standard, "standard")]
    [InlineData(SaeArchitecture.TopK, "topk")]
    [InlineData(SaeArchitecture.JumpRelu, "jumprelu")]
    public void TrainStep_SameInitAndBatches_MatchesPyTorch(SaeArchitecture architecture, string name)
    {
        var init = new SaeParameters
        {
            WEnc = Read($"{name}/init/W_enc"), WDec = Read($"{name}/init/W_dec"), BEnc = Read($"{name}/init/b_enc"), BDec = Read($"{name}/init/b_dec"),
            Threshold = architecture == SaeArchitecture.JumpRelu ? Read($"{name}/init/threshold") : null,
        };
        var trainer = SaeTrainer.FromParameters(GoldenOptions(architecture), DIn, init);
        var losses = Read($"{name}/loss");

        var (loss, _, _, _, _) = trainer.ComputeGradients(Read($"{name}/x0"), Batch);
        Assert.Equal(losses[0], loss, losses[0] * 1e-5);
        var gradients = trainer.LastGradients();
        AssertClose(Read($"{name}/grad/W_enc"), gradients.WEnc, 1e-4, $"{name} ∂W_enc");
        AssertClose(Read($"{name}/grad/W_dec"), gradients.WDec, 1e-4, $"{name} ∂W_dec");
        AssertClose(Read($"{name}/grad/b_enc"), gradients.BEnc!, 1e-4, $"{name} ∂b_enc");
        AssertClose(Read($"{name}/grad/b_dec"), gradients.BDec, 1e-4, $"{name} ∂b_dec");
        if (architecture == SaeArchitecture.JumpRelu)
        {
            var expected = Read($"{name}/grad/threshold");
            Assert.True(expected.Count(g => g != 0) >= 5, "the golden must exercise the threshold gradient");
            AssertClose(expected, gradients.Threshold!, 1e-4, $"{name} ∂log θ");
        }
        Assert.Equal(loss, trainer.TrainStep(Read($"{name}/x0"), Batch).Loss);
        AssertParameters(trainer, name, "after1");

        for (var step = 1; step < 3; step++)
        {
            var result = trainer.TrainStep(Read($"{name}/x{step}"), Batch);
            Assert.Equal(losses[step], result.Loss, Math.Abs(losses[step]) * 1e-4);
        }
        AssertParameters(trainer, name, "after3");
    }

    /// <summary>
    /// TopK + AuxK: 12 features start far below the top k, so with a 1-step dead window they are dead from step 2;
    /// the gradients at step 2 and the parameters after steps 3 and 5 match PyTorch, as do each step's AuxK loss
    /// and the dead-feature count it used (a selection of 8 of them; or all, the loss scaled by n / 40).
    /// </summary>
    [Theory]
    [InlineData("topk_auxk", null, 0.5f)]
    [InlineData("topk_auxk_wide", 40, 1f)]
    public void TrainStep_TopKWithDeadFeatures_AuxKMatchesPyTorch(string name, int? auxK, float auxCoefficient)
    {
        const int Steps = 5, GradientStep = 2;
        var init = new SaeParameters { WEnc = Read($"{name}/init/W_enc"), WDec = Read($"{name}/init/W_dec"), BEnc = Read($"{name}/init/b_enc"), BDec = Read($"{name}/init/b_dec") };
        var options = GoldenOptions(SaeArchitecture.TopK) with { Steps = Steps, DeadFeatureWindow = 1, AuxK = auxK, AuxCoefficient = auxCoefficient };
        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        var (losses, auxLosses, dead) = (Read($"{name}/loss"), Read($"{name}/aux_loss"), Read($"{name}/dead"));
        Assert.True(dead[GradientStep] >= 12 && auxLosses[GradientStep] > 0, "the golden must have dead features at the gradient step");
        Assert.True(auxK is null ? dead[GradientStep] > DIn / 2 : dead[GradientStep] < auxK, "the golden must exercise the selection (or the scaling) it is named for");

        var results = new List<TrainStepResult>();
        for (var step = 0; step < Steps; step++)
        {
            var x = Read($"{name}/x{step}");
            if (step == GradientStep)
            {
                var (loss, _, _, aux, _) = trainer.ComputeGradients(x, Batch);
                Assert.Equal(losses[step], loss, losses[step] * 1e-5);
                Assert.Equal(auxLosses[step], aux, auxLosses[step] * 1e-5);
                var gradients = trainer.LastGradients();
                AssertClose(Read($"{name}/grad/W_enc"), gradients.WEnc, 1e-4, $"{name} ∂W_enc");
                AssertClose(Read($"{name}/grad/W_dec"), gradients.WDec, 1e-4, $"{name} ∂W_dec");
                AssertClose(Read($"{name}/grad/b_enc"), gradients.BEnc!, 1e-4, $"{name} ∂b_enc");
                AssertClose(Read($"{name}/grad/b_dec"), gradients.BDec, 1e-4, $"{name} ∂b_dec");
            }
            var result = trainer.TrainStep(x, Batch);
            results.Add(result);
            Assert.Equal(losses[step], result.Loss, Math.Abs(losses[step]) * 1e-4);
            Assert.Equal(auxLosses[step], result.AuxLoss, Math.Abs(auxLosses[step]) * 1e-4);
            Assert.Equal(dead[step], step == 0 ? 0 : results[step - 1].DeadFeatures);   // the mask a step uses is the previous step's count
            if (step == GradientStep) AssertParameters(trainer, name, $"after{GradientStep + 1}");
        }
        AssertParameters(trainer, name, $"after{Steps}");
    }

    private void AssertParameters(SaeTrainer trainer, string name, string tag)
    {
        var p = trainer.ExportParameters();
        // Adam moves each weight by ≈ lr·m/√v; 1e-6 absolute is 0.1–1% of one step.
        AssertClose(Read($"{name}/{tag}/W_enc"), p.WEnc, 2e-6, $"{name} {tag} W_enc", absolute: true);
        AssertClose(Read($"{name}/{tag}/W_dec"), p.WDec, 2e-6, $"{name} {tag} W_dec", absolute: true);
        AssertClose(Read($"{name}/{tag}/b_enc"), p.BEnc!, 2e-6, $"{name} {tag} b_enc", absolute: true);
        AssertClose(Read($"{name}/{tag}/b_dec"), p.BDec, 2e-6, $"{name} {tag} b_dec", absolute: true);
        if (p.Threshold is not null) AssertClose(Read($"{name}/{tag}/threshold"), p.Threshold, 2e-6, $"{name} {tag} threshold", absolute: true);
    }

    private float[] Read(string name) => _golden.ReadFloat32(name);

    /// <summary>|expected − actual| ≤ tolerance × max|expected| (relative to the tensor's scale), or ≤ tolerance when absolute.</summary>
    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what, bool absolute = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = absolute ? 1.0 : Math.Max(1e-12, expected.Max(v => Math.Abs((double)v)));
        var worst = 0.0;
        var at = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)expected[i] - actual[i]) / scale;
            if (error > worst) (worst, at) = (error, i);
        }
        Assert.True(worst <= tolerance, $"{what}: worst error {worst:E2} at {at} (expected {expected[at]}, found {actual[at]}), tolerance {tolerance:E1}.");
    }
}
