using System.Text.Json.Nodes;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The Kneser–Ney teacher against tests/reference/make_ngram_teacher_golden.py (an independent float64 implementation of
/// Chen &amp; Goodman's interpolated Kneser–Ney, orders 2–4, with a start symbol), and the distilled loss's gradient against
/// finite differences of the loss it claims to be.
/// </summary>
public sealed class NgramTeacherTests
{
    private static readonly JsonNode Gold = JsonNode.Parse(File.ReadAllText(Golden.Path("ngram_teacher_golden.json")))!;

    private static NgramTeacher Fit(int order) =>
        NgramTeacher.Fit(Gold["sequences"]!.AsArray().Select(s => s!.AsArray().Select(x => (int)x!).ToArray()), (int)Gold["vocab"]!, order);

    private static JsonNode GoldOrder(int order) => Gold["orders"]!.AsArray().Single(o => (int)o!["order"]! == order)!;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Probability_SeenPartlySeenAndUnseenHistories_EqualTheReference(int order)
    {
        var teacher = Fit(order);
        var gold = GoldOrder(order);

        Assert.Equal(order, teacher.Order);
        var discounts = gold["discounts"]!.AsArray().Select(d => (double)d!).ToArray();
        for (var n = 1; n <= order; n++) Assert.Equal(discounts[n - 1], teacher.Discount(n), 12);
        foreach (var row in gold["rows"]!.AsArray())
        {
            var history = row!["history"]!.AsArray().Select(x => (int)x!).ToArray();
            var expected = row["p"]!.AsArray().Select(p => (double)p!).ToArray();
            for (var w = 0; w < expected.Length; w++)
            {
                Assert.True(Math.Abs(expected[w] - teacher.Probability(history, w)) <= 1e-6,
                    $"order {order}, history [{string.Join(' ', history)}], token {w}: expected {expected[w]}, found {teacher.Probability(history, w)}");
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Subtract_WritesMinusScaleTimesEveryProbabilityOfTheHistory(int order)
    {
        var teacher = Fit(order);
        var vocab = teacher.Vocab;
        foreach (var row in GoldOrder(order)["rows"]!.AsArray())
        {
            var history = row!["history"]!.AsArray().Select(x => (int)x!).ToArray();
            var expected = row["p"]!.AsArray().Select(p => (float)(1 - 0.5 * (double)p!)).ToArray();
            var values = Enumerable.Repeat(1f, vocab).ToArray();

            teacher.Subtract(history, values, 0.5f);

            SaeTrainerGoldenTests.AssertClose(expected, values, 1e-6, $"row after Subtract, history [{string.Join(' ', history)}]", absolute: true);
        }
    }

    [Fact]
    public void Fit_BadInput_NamesTheProblem()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NgramTeacher.Fit([[0, 1]], 4, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => NgramTeacher.Fit([[0, 1]], 4, 1));
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => NgramTeacher.Fit([[0, 4]], 4, 3));
        Assert.Contains("Token id 4 is outside the vocabulary [0, 4)", outside.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Fit(3).Subtract([0], new float[3], 1));
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
        var teacher = Fit(3);
        const float alpha = 0.3f;
        int[] inputs = [0, 1, 3];   // one sequence: the histories are [0], [0 1], [0 1 3]
        int[] targets = [1, 3, 2];
        var logits = Enumerable.Range(0, 3 * V).Select(i => (float)Math.Sin(1.7 * i + 0.3)).ToArray();

        var gradient = (float[])logits.Clone();
        var loss = LanguageModelTrainer.CrossEntropy(gradient, targets, V, gradientInPlace: true, sharedRowTokens,
            new LanguageModelTrainer.Distillation(teacher, inputs, 3, alpha));

        double Loss(double[] z, double a)
        {
            double total = 0;
            for (var r = 0; r < 3; r++)
            {
                var row = z.Skip(r * V).Take(V).ToArray();
                row[V - 1] += Math.Log(sharedRowTokens);
                var lse = Math.Log(row.Sum(Math.Exp));
                double LogP(int w) => z[r * V + w] - lse;   // for the last row, each shared token's own probability (the row's over n)
                // The teacher's mass on the last row is spread evenly over the n tokens it stands for.
                var soft = Enumerable.Range(0, V).Sum(w => -teacher.Probability(inputs.AsSpan(0, r + 1), w) * LogP(w));
                total += (1 - a) * -LogP(targets[r]) + a * soft;
            }
            return total / 3;
        }
        var z = logits.Select(x => (double)x).ToArray();
        Assert.Equal(Loss(z, 0), loss, 1e-6);
        for (var i = 0; i < z.Length; i++)
        {
            var (up, down) = ((double[])z.Clone(), (double[])z.Clone());
            up[i] += 1e-4;
            down[i] -= 1e-4;
            Assert.Equal((Loss(up, alpha) - Loss(down, alpha)) / 2e-4, gradient[i], 1e-5);
        }
    }

    private const int V = 9;
}
