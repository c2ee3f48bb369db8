using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The bigram teacher on <see cref="Evals.NgramBaselinesTests"/>'s hand-counted corpus ([0 1 0 1] and [1 2], vocabulary 4,
/// D = 0.5, P_cont = 7/24, 7/24, 7/24, 1/8), and the distilled loss's gradient against finite differences of the loss
/// it claims to be.
/// </summary>
public sealed class BigramTeacherTests
{
    private static BigramTeacher Teacher() => BigramTeacher.Fit([[0, 1, 0, 1], [1, 2]], 4);

    [Fact]
    public void Probability_HandCountedCorpus_GivesTheHandComputedKneserNeyProbabilities()
    {
        var teacher = Teacher();

        Assert.Equal(79.0 / 96, teacher.Probability(0, 1), 6);   // (2 − 0.5)/2 + 0.5·1/2·7/24
        Assert.Equal(7.0 / 96, teacher.Probability(0, 0), 6);    // unseen after 0: 0.5·1/2·7/24
        Assert.Equal(19.0 / 48, teacher.Probability(1, 2), 6);   // (1 − 0.5)/2 + 0.5·2/2·7/24
        Assert.Equal(3.0 / 48, teacher.Probability(1, 3), 6);    // 0 + 0.5·2/2·1/8
        Assert.Equal(1.0 / 8, teacher.Probability(3, 3), 6);     // unseen context: P_cont
    }

    [Fact]
    public void Subtract_WritesMinusScaleTimesEveryProbabilityOfTheContext()
    {
        var teacher = Teacher();
        float[] row = [1, 2, 3, 4];

        teacher.Subtract(1, row, 0.5f);

        // P(· | 1) = 0.25 + 0.5·7/24, 0.5·7/24, 0.25 + 0.5·7/24, 0.5·1/8
        float[] expected = [(float)(1 - 0.5 * (0.25 + 7.0 / 48)), (float)(2 - 0.5 * (7.0 / 48)), (float)(3 - 0.5 * (0.25 + 7.0 / 48)), (float)(4 - 0.5 * (1.0 / 16))];
        SaeTrainerGoldenTests.AssertClose(expected, row, 1e-6, "row after Subtract", absolute: true);
        Assert.Throws<ArgumentException>(() => teacher.Subtract(0, new float[3], 1));
    }

    /// <summary>
    /// The in-place gradient with a teacher is that of (1 − α)·CE + α·H(P_teacher, softmax), averaged over rows, and the
    /// value returned stays the plain cross-entropy; the shared last row (standing for 3 tokens) included.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CrossEntropy_WithATeacher_GradientIsTheDistilledLossesDerivative(int sharedRowTokens)
    {
        var teacher = Teacher();
        const float alpha = 0.3f;
        int[] contexts = [0, 1, 3];
        int[] targets = [1, 3, 2];
        float[] logits = [0.2f, -1.1f, 0.7f, 0.05f, 1.3f, 0.4f, -0.6f, -0.2f, -0.9f, 0.8f, 0.1f, 0.6f];

        var gradient = (float[])logits.Clone();
        var loss = LanguageModelTrainer.CrossEntropy(gradient, targets, 4, gradientInPlace: true, sharedRowTokens,
            new LanguageModelTrainer.Distillation(teacher, contexts, alpha));

        double Loss(double[] z, double a)
        {
            double total = 0;
            for (var r = 0; r < 3; r++)
            {
                var row = z.Skip(r * 4).Take(4).ToArray();
                row[3] += Math.Log(sharedRowTokens);
                var lse = Math.Log(row.Sum(Math.Exp));
                double LogP(int w) => z[r * 4 + w] - lse;   // for the last row, each shared token's own probability (the row's over n)
                // The teacher's mass on the last row is spread evenly over the n tokens it stands for.
                var soft = Enumerable.Range(0, 4).Sum(w => -teacher.Probability(contexts[r], w) * LogP(w));
                total += (1 - a) * -LogP(targets[r]) + a * soft;
            }
            return total / 3;
        }
        var z = logits.Select(x => (double)x).ToArray();
        Assert.Equal(Loss(z, 0), loss, 5);
        for (var i = 0; i < z.Length; i++)
        {
            var (up, down) = ((double[])z.Clone(), (double[])z.Clone());
            up[i] += 1e-4;
            down[i] -= 1e-4;
            Assert.Equal((Loss(up, alpha) - Loss(down, alpha)) / 2e-4, gradient[i], 4);
        }
    }
}
