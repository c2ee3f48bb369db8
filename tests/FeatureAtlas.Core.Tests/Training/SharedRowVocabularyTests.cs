using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// Training over a shared-row vocabulary is training the full GPT-2 whose rare tokens' rows are equal: on the odd-shaped
/// model of backward_spec.json (vocab 37; tokens 0–19 kept, 17 sharing), with rare tokens among inputs and targets,
/// the compact model's loss, held-out loss and gradients equal the full-vocabulary model's (itself golden-tested against
/// PyTorch in <see cref="LanguageModelTrainerGoldenTests"/>).
/// </summary>
public sealed class SharedRowVocabularyTests(BackwardModelFixture fixture) : IClassFixture<BackwardModelFixture>
{
    private const int Kept = 20;

    private static LanguageModelTrainingOptions Options(int shared) => new() { Steps = 5, LearningRate = 1e-2f, WarmupSteps = 1, SharedRowTokens = shared };

    private static SharedRowVocabulary Vocabulary(int vocab)
    {
        var counts = new long[vocab];
        for (var i = 0; i < vocab; i++) counts[i] = i < Kept ? 3 + i : i % 3;   // every rare token below 3
        return SharedRowVocabulary.FromCounts(counts, minCount: 3);
    }

    /// <summary>[3, 9] tokens over the whole vocabulary, so rare tokens are inputs and targets.</summary>
    private static int[] Tokens(int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 27).Select(_ => random.Next(vocab)).ToArray();
    }

    [Fact]
    public void FromCounts_KeepsTokensAtTheMinimum_RestMapToTheLastRow()
    {
        var vocabulary = SharedRowVocabulary.FromCounts([5, 0, 2, 3, 1], minCount: 3);

        Assert.Equal([0, 3], vocabulary.Kept);
        Assert.Equal(3, vocabulary.SharedTokens);
        Assert.Equal(3, vocabulary.Size);
        Assert.Equal([0, 2, 2, 1, 2], new[] { 0, 1, 2, 3, 4 }.Select(vocabulary.ToCompact));
        Assert.Equal(5, SharedRowVocabulary.FromCounts([5, 0, 2, 3, 1], minCount: 0).Size);
        Assert.Throws<ArgumentException>(() => SharedRowVocabulary.FromCounts([1, 2], minCount: 3));
    }

    [Fact]
    public void ExpandCompact_KeptRowsAndEveryOtherParameterSurvive_SharedRowsAreTheMean()
    {
        var full = fixture.Load("raw").Weights;
        var vocabulary = Vocabulary(full.Config.Vocab);
        var d = full.Config.DModel;

        var compact = vocabulary.Compact(full);
        var expanded = vocabulary.Expand(compact);

        Assert.Equal(Kept + 1, compact.Config.Vocab);
        Assert.Equal(full.Config, expanded.Config);
        for (var i = 0; i < Kept; i++) Assert.Equal(full.WE.AsSpan(i * d, d).ToArray(), expanded.WE.AsSpan(i * d, d).ToArray());
        var mean = Enumerable.Range(0, d).Select(j => (float)Enumerable.Range(Kept, full.Config.Vocab - Kept).Average(i => full.WE[i * d + j])).ToArray();
        for (var i = Kept; i < full.Config.Vocab; i++) Assert.Equal(mean, expanded.WE.AsSpan(i * d, d).ToArray());
        var others = full.ToHuggingFace().Where(e => e.Name != "wte.weight").ToList();
        Assert.Equal(others.Select(e => e.Data.ToArray()), expanded.ToHuggingFace().Where(e => e.Name != "wte.weight").Select(e => e.Data.ToArray()));
    }

    [Fact]
    public void TrainStep_CompactModel_LossAndGradientsAreTheFullModelsWithEqualRareRows()
    {
        var vocabulary = Vocabulary(fixture.Load("raw").Weights.Config.Vocab);
        var full = vocabulary.Expand(vocabulary.Compact(fixture.Load("raw").Weights));   // rare rows equal
        var n = vocabulary.SharedTokens;
        var fullTrainer = LanguageModelTrainer.Create(full, Options(1));
        var compactTrainer = LanguageModelTrainer.Create(vocabulary.Compact(full), Options(n));
        var tokens = Tokens(full.Config.Vocab, seed: 3);
        Assert.Contains(tokens.Skip(1), t => t >= Kept);
        var compactTokens = new int[tokens.Length];
        vocabulary.ToCompact(tokens, compactTokens);

        var fullStep = fullTrainer.TrainStep(tokens, 3);
        var compactStep = compactTrainer.TrainStep(compactTokens, 3);

        Assert.Equal(fullStep.Loss, compactStep.Loss, 1e-5 * fullStep.Loss);
        var d = full.Config.DModel;
        var fullWte = fullTrainer.Gradients.WE;
        var compactWte = compactTrainer.Gradients.WE;
        for (var k = 0; k < Kept; k++) AssertClose(fullWte.AsSpan(k * d, d), compactWte.AsSpan(k * d, d), $"wte row {k}");
        var sum = new float[d];
        var rareSquares = 0.0;
        for (var i = Kept; i < full.Config.Vocab; i++)
        {
            var row = fullWte.AsSpan(i * d, d);
            for (var j = 0; j < d; j++) sum[j] += row[j];
            foreach (var g in row) rareSquares += g * (double)g;
        }
        AssertClose(sum, compactWte.AsSpan(Kept * d, d), "the shared row: the sum of the rare rows' gradients");
        foreach (var (f, c) in fullTrainer.Gradients.Parameters().Zip(compactTrainer.Gradients.Parameters()).Skip(1)) AssertClose(f.Values, c.Values, f.Name);
        // The norm the compact run clips by is the full gradient's projected onto "rare rows equal": each rare row the mean.
        var projected = fullStep.GradientNorm * fullStep.GradientNorm - rareSquares + sum.Sum(g => g * (double)g) / n;
        Assert.Equal(Math.Sqrt(projected), compactStep.GradientNorm, 1e-4 * compactStep.GradientNorm);
    }

    [Fact]
    public void Evaluate_CompactModel_EqualsTheSavedFullModelOnTheFullVocabulary()
    {
        var vocabulary = Vocabulary(fixture.Load("raw").Weights.Config.Vocab);
        var compactTrainer = LanguageModelTrainer.Create(vocabulary.Compact(fixture.Load("raw").Weights), Options(vocabulary.SharedTokens));
        var compactTokens = new int[27];
        for (var step = 0; step < 3; step++)
        {
            vocabulary.ToCompact(Tokens(37, seed: step), compactTokens);
            compactTrainer.TrainStep(compactTokens, 3);
        }
        var heldOut = Tokens(37, seed: 99);
        vocabulary.ToCompact(heldOut, compactTokens);

        var (compactNats, targets) = compactTrainer.Evaluate(compactTokens, 3);
        var (fullNats, fullTargets) = LanguageModelTrainer.Evaluate(Gpt2Model.FromWeights(vocabulary.Expand(compactTrainer.Weights)), heldOut, 3);

        Assert.Equal(fullTargets, targets);
        Assert.Equal(fullNats, compactNats, 1e-5 * fullNats);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        // b_K's true gradient is identically zero (LanguageModelTrainerGoldenTests): its rounding noise (~1e-8) is
        // compared against an absolute floor of 1e-7, every other tensor relative to its largest value.
        var scale = 1e-3f;
        foreach (var e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale, $"{what}[{i}]: full {expected[i]}, compact {actual[i]}.");
        }
    }
}
