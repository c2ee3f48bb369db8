using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Generation;

/// <summary>Sampling, stopping, streaming, cancellation and bad input of <see cref="TextGenerator"/> on the tiny GPT-2.</summary>
public class TextGeneratorTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly int[] Prompt = [50256, 383, 2068, 7586];
    private static readonly GenerationOptions Sampled = new() { NewTokens = 24, Temperature = 0.9f, Seed = 16 };

    private Gpt2Model Model => Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    private SparseAutoencoder Sae => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));

    [Fact]
    public void Generate_SameSeed_SameTokens_OtherSeed_OtherTokens()
    {
        var model = Model;
        var first = TextGenerator.Generate(model, Prompt, Sampled).TokenIds;
        var again = TextGenerator.Generate(model, Prompt, Sampled).TokenIds;
        var other = TextGenerator.Generate(model, Prompt, Sampled with { Seed = 17 }).TokenIds;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Generate_BatchedSequences_EqualEachRunAlone()
    {
        var model = Model;
        var steered = new SteeringPlan([SteeringVector.ForFeature(Sae, 3, 6f)], SteeringMethod.SimpleAdditive);
        var options = Sampled with { TopK = 40, TopP = 0.9f, FrequencyPenalty = 0.7f };

        var batch = TextGenerator.Generate(model, Prompt, options, [SteeringPlan.None, steered]);
        var alone = TextGenerator.Generate(model, Prompt, options, [steered])[0];

        Assert.Equal(TextGenerator.Generate(model, Prompt, options).TokenIds, batch[0].TokenIds);
        Assert.Equal(alone.TokenIds, batch[1].TokenIds);
        Assert.NotEqual(batch[0].TokenIds, batch[1].TokenIds);
    }

    [Fact]
    public void Generate_TopK1_IsGreedy()
    {
        var model = Model;
        var greedy = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 16 }).TokenIds;
        var topOne = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 16, Temperature = 1.5f, TopK = 1 }).TokenIds;
        Assert.Equal(greedy, topOne);
    }

    [Fact]
    public void Generate_FrequencyPenalty_LowersRepeats()
    {
        var model = Model;
        var plain = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 32 }).TokenIds;
        var penalised = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 32, FrequencyPenalty = 2f }).TokenIds;
        Assert.True(penalised.Distinct().Count() > plain.Distinct().Count(), $"{plain.Distinct().Count()} distinct tokens unpenalised, {penalised.Distinct().Count()} penalised.");
    }

    [Fact]
    public void Generate_StopToken_EndsThatSequenceIncludingIt()
    {
        var model = Model;
        var full = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 20 }).TokenIds;
        var stop = full[5];
        var stopped = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 20, StopToken = stop }).TokenIds;
        Assert.Equal(full[..(Array.IndexOf(full, stop) + 1)], stopped);
    }

    [Fact]
    public void Generate_OnToken_StreamsEveryTokenInOrder()
    {
        var seen = new List<(int Sequence, int Token)>();
        var plans = new[] { SteeringPlan.None, new SteeringPlan([SteeringVector.ForFeature(Sae, 3, 6f)], SteeringMethod.SimpleAdditive) };
        var results = TextGenerator.Generate(Model, Prompt, new GenerationOptions { NewTokens = 6 }, plans, (b, t) => seen.Add((b, t.Token)));

        Assert.Equal(results[0].TokenIds, seen.Where(s => s.Sequence == 0).Select(s => s.Token));
        Assert.Equal(results[1].TokenIds, seen.Where(s => s.Sequence == 1).Select(s => s.Token));
        Assert.Equal([0, 1, 0, 1], seen.Take(4).Select(s => s.Sequence));
    }

    [Fact]
    public void Generate_Cancelled_StopsBetweenSteps()
    {
        using var cancel = new CancellationTokenSource();
        var count = 0;
        Assert.Throws<OperationCanceledException>(() => TextGenerator.Generate(Model, Prompt, new GenerationOptions { NewTokens = 30 }, [SteeringPlan.None],
            (_, _) =>
            {
                if (++count == 3) cancel.Cancel();
            }, cancel.Token));
        Assert.Equal(3, count);
    }

    [Fact]
    public void Generate_OrthogonalDecompWithCoefficientOne_ChangesNothing()
    {
        var model = Model;
        var plan = new SteeringPlan([SteeringVector.ForFeature(Sae, 3, 1f)], SteeringMethod.OrthogonalDecomp);
        var results = TextGenerator.Generate(model, Prompt, new GenerationOptions { NewTokens = 12 }, [SteeringPlan.None, plan]);
        Assert.Equal(results[0].TokenIds, results[1].TokenIds);
    }

    [Fact]
    public void UnitDecoderRow_UnknownFeature_ErrorNamesTheSaeAndRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureDirections.UnitDecoderRow(Sae, 200));
        Assert.Contains("Feature 200 does not exist in SAE 'standard-resid-pre-1', which has 200 features (0..199)", error.Message);
    }

    [Fact]
    public void Generate_VectorOfWrongLength_ErrorNamesDModel()
    {
        var plan = new SteeringPlan([new SteeringVector("blocks.1.hook_resid_pre", new float[95], 1f)], SteeringMethod.SimpleAdditive);
        var error = Assert.Throws<ArgumentException>(() => TextGenerator.Generate(Model, Prompt, new GenerationOptions(), [plan]));
        Assert.Contains("has 95 values; blocks.1.hook_resid_pre expects d_model = 96", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Generate_NonFiniteStrength_ErrorNamesStrength(float strength)
    {
        var plan = new SteeringPlan([SteeringVector.ForFeature(Sae, 3, strength)], SteeringMethod.SimpleAdditive);
        var error = Assert.Throws<ArgumentException>(() => TextGenerator.Generate(Model, Prompt, new GenerationOptions(), [plan]));
        Assert.Contains("strength must be a finite number", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(62)]
    public void Generate_NTokensOutOfRange_ErrorNamesTheRange(int n)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TextGenerator.Generate(Model, Prompt, new GenerationOptions { NewTokens = n }));
        Assert.Contains($"n_tokens must be between 1 and 61 for a 4-token prompt (n_positions = 64), not {n}", error.Message);
    }

    [Fact]
    public void Generate_ClampWithACustomVector_ErrorAsksForAFeature()
    {
        var plan = new SteeringPlan([new SteeringVector("blocks.1.hook_resid_pre", FeatureDirections.UnitDecoderRow(Sae, 3), 1f)], SteeringMethod.Clamp);
        var error = Assert.Throws<ArgumentException>(() => TextGenerator.Generate(Model, Prompt, new GenerationOptions(), [plan]));
        Assert.Contains("needs an SAE feature", error.Message);
    }
}
