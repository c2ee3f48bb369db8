using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// Gradients checked two ways on a tiny SAE: the float64 twin's analytic gradients against central finite
/// differences of its loss, and the float32 trainer's gradients against the twin's.
/// </summary>
public sealed class SaeTrainerGradientTests
{
    private const int DIn = 12, DSae = 40, Rows = 24, K = 5;

    [Theory]
    [InlineData(SaeArchitecture.Standard)]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.JumpRelu)]
    public void ComputeGradients_TinySae_MatchFiniteDifferencesOfFloat64Twin(SaeArchitecture architecture)
    {
        var random = new Random(7);
        float Normal(double scale) => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var init = new SaeParameters
        {
            WEnc = Enumerable.Range(0, DIn * DSae).Select(_ => Normal(0.4)).ToArray(),
            WDec = Enumerable.Range(0, DIn * DSae).Select(_ => Normal(0.3)).ToArray(),
            BEnc = Enumerable.Range(0, DSae).Select(_ => Normal(0.1)).ToArray(),
            BDec = Enumerable.Range(0, DIn).Select(_ => Normal(0.1)).ToArray(),
            Threshold = architecture == SaeArchitecture.JumpRelu ? Enumerable.Range(0, DSae).Select(_ => 0.05f + (float)random.NextDouble() * 0.3f).ToArray() : null,
        };
        var x = Enumerable.Range(0, Rows * DIn).Select(_ => Normal(1)).ToArray();
        var options = new SaeTrainingOptions
        {
            Architecture = architecture, DSae = DSae, Steps = 1, K = K, L1Coefficient = 0.8f, L0Coefficient = 0.4f, Bandwidth = 0.1f, NormalizeDecoder = false,
        };

        var twin = new TrainingReference(architecture, DIn, DSae, K, architecture == SaeArchitecture.JumpRelu ? 0.4 : 0.8, 0.1);
        Copy(init.WEnc, twin.WEnc);
        Copy(init.WDec, twin.WDec);
        Copy(init.BEnc, twin.BEnc);
        Copy(init.BDec, twin.BDec);
        if (init.Threshold is not null) Copy(init.Threshold.Select(t => MathF.Log(t)).ToArray(), twin.LogThreshold);
        var analytic = twin.Zeros();
        var loss = twin.Loss(x, Rows, analytic);

        // Finite differences of the twin (θ excluded: its straight-through gradient is not the derivative of a step).
        foreach (var (values, gradient, name) in new[] { (twin.WEnc, analytic.WEnc, "W_enc"), (twin.WDec, analytic.WDec, "W_dec"), (twin.BEnc, analytic.BEnc, "b_enc"), (twin.BDec, analytic.BDec, "b_dec") })
        {
            for (var probe = 0; probe < 25; probe++)
            {
                var i = random.Next(values.Length);
                const double h = 1e-6;
                var saved = values[i];
                values[i] = saved + h;
                var up = twin.Loss(x, Rows);
                values[i] = saved - h;
                var down = twin.Loss(x, Rows);
                values[i] = saved;
                var numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"{architecture} {name}[{i}]: finite difference {numeric}, analytic {gradient[i]}.");
            }
        }

        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        var (trainerLoss, _, _, _) = trainer.ComputeGradients(x, Rows);
        Assert.Equal(loss, trainerLoss, Math.Abs(loss) * 1e-5);
        var g = trainer.LastGradients();
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.WEnc), g.WEnc, 1e-4, "W_enc");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.WDec), g.WDec, 1e-4, "W_dec");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.BEnc), g.BEnc!, 1e-4, "b_enc");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.BDec), g.BDec, 1e-4, "b_dec");
        if (architecture == SaeArchitecture.JumpRelu)
        {
            Assert.Contains(analytic.LogThreshold, v => v != 0);
            SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.LogThreshold), g.Threshold!, 1e-4, "log θ");
        }
    }

    [Fact]
    public void Validate_BadHyperParameters_NamesTheValue()
    {
        var good = new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, DSae = 64, Steps = 10, K = 8 };
        good.Validate();
        Assert.Contains("k must be", Assert.Throws<ArgumentException>(() => (good with { K = 65 }).Validate()).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => (good with { LearningRate = -1 }).Validate()).Message);
        Assert.Contains("exceed", Assert.Throws<ArgumentException>(() => (good with { LrWarmupSteps = 8, LrDecaySteps = 8 }).Validate()).Message);
        Assert.Contains("gated", Assert.Throws<ArgumentException>(() => (good with { Architecture = SaeArchitecture.Gated }).Validate()).Message);
    }

    private static void Copy(float[] source, double[] destination)
    {
        for (var i = 0; i < source.Length; i++) destination[i] = source[i];
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
