namespace FeatureAtlas.Core.Explain;

/// <summary>Scores a predictor on a feature's test split (see <see cref="ExplanationScores"/>); the train split only fits the detection threshold.</summary>
public static class ExplanationScorer
{
    public static ExplanationScores Score(IActivationPredictor predictor, FeatureExamples examples)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(examples);
        var (trainScores, trainLabels) = WindowScores(predictor, examples.Train, null);
        var threshold = FitThreshold(trainScores, trainLabels);

        var truth = new List<double>();
        var predicted = new List<double>();
        var (testScores, testLabels) = WindowScores(predictor, examples.Test, (truth, predicted));
        var correct = 0;
        for (var i = 0; i < testScores.Count; i++)
        {
            if (testScores[i] >= threshold == testLabels[i]) correct++;
        }
        var positives = testLabels.Count(l => l);
        return new ExplanationScores
        {
            Correlation = ScoreMath.Pearson(predicted.ToArray(), truth.ToArray()),
            Tokens = truth.Count,
            DetectionAccuracy = testScores.Count == 0 ? double.NaN : correct / (double)testScores.Count,
            DetectionBalancedAccuracy = ScoreMath.BalancedAccuracy(testScores, testLabels, threshold),
            DetectionAuroc = ScoreMath.Auroc(testScores, testLabels),
            Threshold = threshold,
            TestActivating = positives,
            TestNonActivating = testLabels.Count - positives,
        };
    }

    /// <summary>
    /// The threshold (one of the train window scores) with the best train balanced accuracy, the smallest on ties;
    /// without both classes in train, the smallest positive train score ("the explanation applies at all").
    /// </summary>
    internal static double FitThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var candidates = scores.Distinct().Order().ToArray();
        if (labels.Contains(true) && labels.Contains(false))
        {
            var best = double.NegativeInfinity;
            var threshold = candidates[0];
            foreach (var c in candidates)
            {
                var accuracy = ScoreMath.BalancedAccuracy(scores, labels, c);
                if (accuracy > best) (best, threshold) = (accuracy, c);
            }
            return threshold;
        }
        return candidates.FirstOrDefault(c => c > 0) is var positive and > 0 ? positive : double.Epsilon;
    }

    private static (List<double> Scores, List<bool> Labels) WindowScores(IActivationPredictor predictor, IReadOnlyList<ActivationRecord> records, (List<double> Truth, List<double> Predicted)? tokens)
    {
        var scores = new List<double>(records.Count);
        var labels = new List<bool>(records.Count);
        var buffer = new float[128];
        foreach (var record in records)
        {
            if (buffer.Length < record.Tokens.Length) buffer = new float[record.Tokens.Length];
            var prediction = buffer.AsSpan(0, record.Tokens.Length);
            predictor.Predict(record.Tokens, prediction);
            var max = 0.0;
            for (var t = 0; t < prediction.Length; t++)
            {
                max = Math.Max(max, prediction[t]);
                tokens?.Predicted.Add(prediction[t]);
                tokens?.Truth.Add(record.Activations[t]);
            }
            scores.Add(max);
            labels.Add(record.IsActivating);
        }
        return (scores, labels);
    }
}
