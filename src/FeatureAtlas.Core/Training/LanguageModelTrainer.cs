using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// Trains a GPT-2 on next-token prediction: per step, the forward pass recorded (<see cref="Gpt2Model.Record"/>),
/// mean cross-entropy over the B × T targets, every parameter's gradient from the one backward pass
/// (<see cref="Gpt2Model.BackwardFromLogits"/>), global-norm clipping, then AdamW with the options' schedule.
/// The weights stay raw (Hugging Face's layout, tied embeddings), so they save as a checkpoint any command loads.
/// Deterministic: the same start and batches give the same weights bit for bit, on the same CPU.
/// </summary>
public sealed partial class LanguageModelTrainer
{
    private readonly Gpt2Weights _gradients;
    private readonly Gpt2Weights _m;
    private readonly Gpt2Weights _v;
    private readonly (float[] Value, float[] Gradient, float[] M, float[] V, bool Decay)[] _slots;
    private readonly NgramTeacher? _teacher;

    private Gpt2Model? _model;      // packed once, packed again in place after each step
    private float[]? _logits;       // [B·T, V], then its gradient in place

    private LanguageModelTrainer(Gpt2Weights weights, LanguageModelTrainingOptions options, NgramTeacher? teacher)
    {
        if (!weights.Processing.IsRaw) throw new ArgumentException("Training needs raw weights (WeightProcessing.Raw), as a checkpoint stores them.", nameof(weights));
        options.Validate();
        if (options.DistillWeight > 0 && teacher is null) throw new ArgumentException("A distillation weight needs a teacher.", nameof(teacher));
        if (teacher is not null && teacher.Vocab != weights.Config.Vocab)
        {
            throw new ArgumentException($"The teacher's vocabulary is {teacher.Vocab} tokens, the model's {weights.Config.Vocab}.", nameof(teacher));
        }
        _teacher = teacher;
        Weights = weights;
        Options = options;
        _gradients = weights.ZerosLike();
        _m = weights.ZerosLike();
        _v = weights.ZerosLike();
        _slots = weights.Parameters().Zip(_gradients.Parameters(), _m.Parameters()).Zip(_v.Parameters())
            .Select(x => (x.First.First.Values, x.First.Second.Values, x.First.Third.Values, x.Second.Values, x.First.First.IsMatrix)).ToArray();
    }

    /// <summary>A trainer of <paramref name="weights"/> (updated in place); <paramref name="teacher"/> is needed when the options distil.</summary>
    public static LanguageModelTrainer Create(Gpt2Weights weights, LanguageModelTrainingOptions options, NgramTeacher? teacher = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        return new LanguageModelTrainer(weights, options, teacher);
    }

    /// <summary>The weights being trained, updated in place by every step.</summary>
    public Gpt2Weights Weights { get; }

    public LanguageModelTrainingOptions Options { get; }

    /// <summary>The gradients of the last step, before clipping ([same shapes as <see cref="Weights"/>]).</summary>
    public Gpt2Weights Gradients => _gradients;

    /// <summary>Steps done.</summary>
    public int Step { get; private set; }

    /// <summary>Target tokens trained on.</summary>
    public long TokensSeen { get; private set; }

    /// <summary>
    /// One optimiser step on <paramref name="sequences"/> [B, T + 1]: inputs are each sequence's first T tokens, targets
    /// its last T. Returns the mean loss before the update.
    /// </summary>
    public LanguageModelStepResult TrainStep(ReadOnlySpan<int> sequences, int batch)
    {
        var (inputs, targets) = Split(sequences, batch);
        var model = RunnableModel();
        var size = (long)inputs.Length * Weights.Config.Vocab;
        if (_logits?.LongLength != size) _logits = GC.AllocateUninitializedArray<float>(checked((int)size));
        var tape = model.Record(inputs, batch, logits: _logits);
        var logits = tape.Logits.Data;
        var alpha = Options.DistillWeightAt(Step);
        var loss = CrossEntropy(logits, targets, Weights.Config.Vocab, gradientInPlace: true, Options.SharedRowTokens,
            alpha > 0 ? new Distillation(_teacher!, inputs, inputs.Length / batch, alpha) : null);
        foreach (var slot in _slots) Array.Clear(slot.Gradient);
        // Only the parameter gradients are wanted; one tiny hook gradient keeps the activation cache from copying every hook.
        model.BackwardFromLogits(tape, logits, new BackwardOptions { Gradients = [HookNames.FinalScale] }, _gradients);

        double squares = 0;
        foreach (var slot in _slots) squares += TensorPrimitives.Dot(slot.Gradient, slot.Gradient);
        if (Options.SharedRowTokens > 1)
        {
            // n equal rows would each get 1/n of the shared row's gradient: Σ ‖g/n‖² = ‖g‖²/n, not ‖g‖².
            var d = Weights.Config.DModel;
            var shared = _gradients.WE.AsSpan(_gradients.WE.Length - d, d);
            squares -= TensorPrimitives.Dot(shared, shared) * (1 - 1.0 / Options.SharedRowTokens);
        }
        var norm = Math.Sqrt(squares);
        var clip = Options.GradientClip > 0 ? Math.Min(1.0, Options.GradientClip / (norm + 1e-6)) : 1.0;
        var learningRate = Options.LearningRateAt(Step);
        Step++;
        Parallel.ForEach(_slots, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, slot =>
        {
            AdamW.Update(slot.Value, slot.Gradient, slot.M, slot.V, Step, learningRate, Options.Beta1, Options.Beta2, Options.Epsilon,
                slot.Decay ? Options.WeightDecay : 0f, (float)clip);
        });
        TokensSeen += targets.Length;
        return new LanguageModelStepResult(Step, loss, norm, learningRate);
    }

    /// <summary>
    /// The model over <see cref="Weights"/>: built on the first step and packed again after every later one (the
    /// optimiser changed the weights in place), so its packed matrices are not reallocated each step.
    /// </summary>
    private Gpt2Model RunnableModel()
    {
        if (_model is null) return _model = Gpt2Model.FromWeights(Weights);
        _model.Repack();
        return _model;
    }

    /// <summary>Sum of next-token losses (nats) and the number of targets over <paramref name="sequences"/> [B, T + 1], no update.</summary>
    public (double Nats, long Targets) Evaluate(ReadOnlySpan<int> sequences, int batch) =>
        Evaluate(Gpt2Model.FromWeights(Weights), sequences, batch, Options.SharedRowTokens);

    /// <summary>
    /// As <see cref="Evaluate(ReadOnlySpan{int}, int)"/> for any model (e.g. one loaded from a checkpoint); a compact
    /// model passes how many tokens its last row stands for, and the result is its full GPT-2's loss.
    /// </summary>
    public static (double Nats, long Targets) Evaluate(Gpt2Model model, ReadOnlySpan<int> sequences, int batch, int sharedRowTokens = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (inputs, targets) = Split(sequences, batch);
        var logits = new float[(long)inputs.Length * model.Config.Vocab];
        model.Run(inputs, batch, RunOptions.Default, logits);
        return (CrossEntropy(logits, targets, model.Config.Vocab, gradientInPlace: false, sharedRowTokens) * targets.Length, targets.Length);
    }

    private static (int[] Inputs, int[] Targets) Split(ReadOnlySpan<int> sequences, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (sequences.Length % batch != 0 || sequences.Length / batch < 2)
        {
            throw new ArgumentException($"{sequences.Length} tokens do not form {batch} sequences of T + 1 ≥ 2 tokens.", nameof(sequences));
        }
        var length = sequences.Length / batch;
        var t = length - 1;
        var inputs = new int[batch * t];
        var targets = new int[batch * t];
        for (var b = 0; b < batch; b++)
        {
            sequences.Slice(b * length, t).CopyTo(inputs.AsSpan(b * t));
            sequences.Slice(b * length + 1, t).CopyTo(targets.AsSpan(b * t));
        }
        return (inputs, targets);
    }

    /// <summary>
    /// Soft targets for <see cref="CrossEntropy"/>: row r's target is (1 − α)·onehot + α·P(· | its sequence's inputs up to r),
    /// the rows being sequences of <paramref name="Length"/> positions one after another.
    /// </summary>
    internal sealed record Distillation(NgramTeacher Teacher, int[] Inputs, int Length, float Alpha)
    {
        public ReadOnlySpan<int> History(int row) => Inputs.AsSpan(row - row % Length, row % Length + 1);
    }

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [N, V] (changed in place) against <paramref name="targets"/> [N]; with
    /// <paramref name="gradientInPlace"/> the logits are replaced by ∂loss/∂logits = (softmax − onehot)/N, or with
    /// <paramref name="distillation"/> by (softmax − (1 − α)·onehot − α·P_teacher)/N, the gradient of
    /// (1 − α)·CE + α·H(P_teacher, softmax). The value returned is always the plain cross-entropy.
    /// Rows run in parallel; the sum is taken in row order, so the result does not depend on scheduling. With
    /// <paramref name="sharedRowTokens"/> n &gt; 1 the last column stands for n tokens of equal logit z: it enters the
    /// softmax as z + ln n, and a target there costs LSE − z, the loss of any one of those tokens in the full vocabulary.
    /// </summary>
    internal static double CrossEntropy(float[] logits, int[] targets, int vocab, bool gradientInPlace, int sharedRowTokens = 1, Distillation? distillation = null)
    {
        var n = targets.Length;
        var offset = (float)Math.Log(sharedRowTokens);
        var rowLoss = new double[n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => gradientInPlace ? [] : new float[vocab], (r, _, scratch) =>
        {
            var row = logits.AsSpan(r * vocab, vocab);
            var target = row[targets[r]];
            row[^1] += offset;
            var max = TensorPrimitives.Max(row);
            var e = gradientInPlace ? row : scratch.AsSpan();
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp(e, e);
            double sum = TensorPrimitives.Sum(e);
            rowLoss[r] = max + Math.Log(sum) - target;
            if (gradientInPlace)
            {
                TensorPrimitives.Multiply(e, (float)(1.0 / (sum * n)), e);
                if (distillation is null)
                {
                    e[targets[r]] -= 1f / n;
                }
                else
                {
                    e[targets[r]] -= (1 - distillation.Alpha) / n;
                    distillation.Teacher.Subtract(distillation.History(r), e, distillation.Alpha / n);
                }
            }
            return scratch;
        }, _ => { });
        double total = 0;
        foreach (var l in rowLoss) total += l;
        return total / n;
    }
}
