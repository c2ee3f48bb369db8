using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>What AuxK is for: a TopK SAE whose dead features stay dead without it comes back to life with it.</summary>
public sealed class SaeTrainerAuxKTests
{
    private const int DIn = 32, DSae = 256, Rows = 256, K = 8, Steps = 320, Killed = 64;

    [Fact]
    public void TrainStep_TopKWithDeadFeatures_AuxKRevivesThemAndNothingElseDoes()
    {
        var without = Train(auxCoefficient: 0);
        var with = Train(auxCoefficient: 1);

        Assert.All(without, r => Assert.Equal(0, r.AuxLoss));
        Assert.Equal(Killed, without[^1].DeadFeatures);
        Assert.Equal(Killed, with[30].DeadFeatures);              // dead after the 20-step window, AuxK working on them
        Assert.True(with[30].AuxLoss > 0);
        Assert.True(with[^1].DeadFeatures <= Killed / 4, $"{with[^1].DeadFeatures} of {Killed} features still dead with AuxK.");
        Assert.True(with[^1].MseLoss < with[0].MseLoss * 0.7, $"MSE went from {with[0].MseLoss} to {with[^1].MseLoss}.");
    }

    /// <summary>Sparse data (6 of 512 random directions per row); 64 features start with b_enc = −5, below any top k.</summary>
    private static List<TrainStepResult> Train(float auxCoefficient)
    {
        var random = new Random(3);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var directions = Enumerable.Range(0, 512 * DIn).Select(_ => Normal() / 5.6f).ToArray();
        var options = new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.TopK, DSae = DSae, BatchTokens = Rows, Steps = Steps, K = K, LearningRate = 1e-3f,
            DeadFeatureWindow = 20, AuxCoefficient = auxCoefficient, BDecInit = BDecInit.Zeros, Seed = 1,
        };
        var init = SaeTrainer.Create(options, DIn).ExportParameters();
        for (var i = 0; i < Killed; i++) init.BEnc![i] = -5f;
        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        var results = new List<TrainStepResult>();
        var x = new float[Rows * DIn];
        for (var step = 0; step < Steps; step++)
        {
            Array.Clear(x);
            for (var r = 0; r < Rows; r++)
            {
                for (var t = 0; t < 6; t++)
                {
                    var direction = directions.AsSpan(random.Next(512) * DIn, DIn);
                    var amount = (float)random.NextDouble() * 3;
                    for (var d = 0; d < DIn; d++) x[r * DIn + d] += amount * direction[d];
                }
            }
            results.Add(trainer.TrainStep(x, Rows));
        }
        return results;
    }
}
