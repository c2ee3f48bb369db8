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
                AssertFiniteDifference(twin, x, values, gradient, random.Next(values.Length), $"{architecture} {name}");
            }
        }

        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        var (trainerLoss, _, _, _, _) = trainer.ComputeGradients(x, Rows);
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

    /// <summary>
    /// TopK + AuxK after two steps that leave features dead (10 start with b_enc = −4, below any top k; the window is
    /// 1 step): the twin's gradients, AuxK term included, against finite differences of its loss with the residual
    /// held constant (the step detaches it), and the trainer's against the twin's. k_aux 4 selects among the dead
    /// features; k_aux 30 takes them all and scales the loss by n / 30.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(30)]
    public void ComputeGradients_TopKWithDeadFeatures_AuxKMatchesFiniteDifferencesOfFloat64Twin(int auxK)
    {
        var random = new Random(11);
        float Normal(double scale) => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        float[] Batch() => Enumerable.Range(0, Rows * DIn).Select(_ => Normal(1)).ToArray();
        var init = new SaeParameters
        {
            WEnc = Enumerable.Range(0, DIn * DSae).Select(_ => Normal(0.4)).ToArray(),
            WDec = Enumerable.Range(0, DIn * DSae).Select(_ => Normal(0.3)).ToArray(),
            BEnc = Enumerable.Range(0, DSae).Select(i => i < 10 ? -4f : Normal(0.1)).ToArray(),
            BDec = Enumerable.Range(0, DIn).Select(_ => Normal(0.1)).ToArray(),
        };
        var options = new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.TopK, DSae = DSae, Steps = 3, K = K, NormalizeDecoder = false, LearningRate = 1e-3f,
            DeadFeatureWindow = 1, AuxK = auxK, AuxCoefficient = 0.7f,
        };
        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        trainer.TrainStep(Batch(), Rows);
        trainer.TrainStep(Batch(), Rows);
        var dead = Enumerable.Range(0, DSae).Select(trainer.IsDead).ToArray();
        Assert.True(dead.Take(10).All(d => d), "the features started below the top k must be dead");

        var p = trainer.ExportParameters();
        var twin = new TrainingReference(SaeArchitecture.TopK, DIn, DSae, K, 0, 0.1) { Dead = dead, AuxK = auxK, AuxCoefficient = 0.7 };
        Copy(p.WEnc, twin.WEnc);
        Copy(p.WDec, twin.WDec);
        Copy(p.BEnc!, twin.BEnc);
        Copy(p.BDec, twin.BDec);
        var x = Batch();
        twin.FreezeResidual(x, Rows);
        var analytic = twin.Zeros();
        var loss = twin.Loss(x, Rows, analytic);
        foreach (var (values, gradient, name) in new[] { (twin.WEnc, analytic.WEnc, "W_enc"), (twin.WDec, analytic.WDec, "W_dec"), (twin.BEnc, analytic.BEnc, "b_enc"), (twin.BDec, analytic.BDec, "b_dec") })
        {
            // Half the probes on the dead features' own weights, which only the AuxK term moves.
            for (var probe = 0; probe < 30; probe++)
            {
                var i = random.Next(values.Length);
                if (probe % 2 == 0 && values.Length == DIn * DSae) i = name == "W_enc" ? random.Next(DIn) * DSae + random.Next(10) : random.Next(10) * DIn + random.Next(DIn);
                if (probe % 2 == 0 && values.Length == DSae) i = random.Next(10);
                AssertFiniteDifference(twin, x, values, gradient, i, $"AuxK {name}");
            }
        }
        Assert.Contains(analytic.BEnc.Take(10), g => Math.Abs(g) > 1e-3);   // the AuxK term reaches the dead features

        var (trainerLoss, _, _, aux, _) = trainer.ComputeGradients(x, Rows);
        Assert.True(aux > 0);
        Assert.Equal(loss, trainerLoss, Math.Abs(loss) * 1e-5);
        var g = trainer.LastGradients();
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.WEnc), g.WEnc, 1e-4, "W_enc");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.WDec), g.WDec, 1e-4, "W_dec");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.BEnc), g.BEnc!, 1e-4, "b_enc");
        SaeTrainerGoldenTests.AssertClose(ToFloat(analytic.BDec), g.BDec, 1e-4, "b_dec");
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
        Assert.Contains("k_aux must be", Assert.Throws<ArgumentException>(() => (good with { AuxK = 0 }).Validate()).Message);
        Assert.Contains("k_aux must be", Assert.Throws<ArgumentException>(() => (good with { AuxK = 65 }).Validate()).Message);
        Assert.Contains("AuxK coefficient", Assert.Throws<ArgumentException>(() => (good with { AuxCoefficient = -0.5f }).Validate()).Message);
        Assert.Contains("AuxK coefficient", Assert.Throws<ArgumentException>(() => (good with { AuxCoefficient = float.NaN }).Validate()).Message);
        (good with { AuxK = 64, AuxCoefficient = 0 }).Validate();
    }

    /// <summary>The twin's analytic gradient of parameter <paramref name="i"/> against a central finite difference of its loss.</summary>
    private static void AssertFiniteDifference(TrainingReference twin, float[] x, double[] values, double[] gradient, int i, string label)
    {
        const double h = 1e-6;
        var saved = values[i];
        values[i] = saved + h;
        var up = twin.Loss(x, Rows);
        values[i] = saved - h;
        var down = twin.Loss(x, Rows);
        values[i] = saved;
        var numeric = (up - down) / (2 * h);
        Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"{label}[{i}]: finite difference {numeric}, analytic {gradient[i]}.");
    }

    private static void Copy(float[] source, double[] destination)
    {
        for (var i = 0; i < source.Length; i++) destination[i] = source[i];
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
