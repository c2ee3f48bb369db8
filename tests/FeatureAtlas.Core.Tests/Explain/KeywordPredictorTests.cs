using FeatureAtlas.Core.Explain;

namespace FeatureAtlas.Core.Tests.Explain;

public sealed class KeywordPredictorTests
{
    // Token ids 0..9 of a small vocabulary, GPT-2 style (a leading space is part of the token).
    private static readonly string[] Vocabulary = [" whale", " Whale", "whale", " whales", " the", " sea", "'s", " don", "'t", " 1851"];

    private static int[] Named(string explanation) => KeywordPredictor.Create(explanation, Vocabulary).Tokens.ToArray();

    [Fact]
    public void Create_QuotedSpans_NameOnlyThoseTokensAndSkipPrecedingContexts()
    {
        // The offline explainer's own form: the context after "after" is not what fires.
        Assert.Equal([0, 1, 2], Named("the tokens ' whale' (after ' the')"));
        Assert.Equal([0, 1, 2, 5], Named("“whale” or \"sea\""));
        Assert.Equal([0, 1, 2], Named("the token `whale`, mostly after ' the'"));
    }

    [Fact]
    public void Create_PlainWords_NameWordsAndPluralsLessFunctionWords()
    {
        Assert.Equal([0, 1, 2, 3, 5], Named("mentions of a whale in the sea"));
        Assert.Equal([9], Named("the year 1851"));
        // Apostrophes inside words open no quoted span, and "the"/"of" name nothing.
        Assert.Equal([7], Named("don't"));
        Assert.Empty(Named("the of and"));
    }

    [Fact]
    public void Predict_NamedTokensOneOthersZero()
    {
        var predictor = KeywordPredictor.Create("'sea'", Vocabulary);
        var predictions = new float[4];

        predictor.Predict([4, 5, 0, 5], predictions);

        Assert.Equal([0f, 1f, 0f, 1f], predictions);
        Assert.Throws<ArgumentException>(() => predictor.Predict([1, 2], new float[3]));
        Assert.Throws<ArgumentException>(() => KeywordPredictor.Create("  ", Vocabulary));
    }
}
