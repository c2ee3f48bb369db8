using System.Numerics.Tensors;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// Trains one SAE with Adam, step by step, on batches of activations x [B, I], as SAELens's trainer does for the
/// standard (ReLU + decoder-norm-weighted L1), TopK (with the AuxK loss on dead features) and JumpReLU
/// (straight-through threshold gradients, L0 penalty) architectures. Shapes: B batch rows, I d_in, S d_sae; parameter names are SAELens's.
/// The big products run on the packed SGEMM (forward, δf, and both weight gradients as GEMMs); TopK runs its
/// decoder, δf and weight gradients sparsely (k of S features per row). Deterministic for any thread count.
/// </summary>
public sealed partial class SaeTrainer
{
    private readonly float[] _wEnc;               // [I, S]
    private readonly float[] _wDec;               // [S, I]
    private readonly float[] _bEnc;               // [S]
    private readonly float[] _bDec;               // [I]
    private readonly float[]? _logThreshold;      // [S] jumprelu: θ = exp(log θ)

    private readonly float[] _gWEnc;              // [I, S]
    private readonly float[] _gWDec;              // [S, I]
    private readonly float[] _gBEnc;              // [S]
    private readonly float[] _gBDec;              // [I]
    private readonly float[]? _gLogThreshold;     // [S]

    private readonly float[][] _m;                // Adam first moments, one per parameter (order of Parameters())
    private readonly float[][] _v;                // Adam second moments

    private readonly float[] _decoderNorms;       // [S] ‖W_dec,i‖ at the start of the step
    private readonly int[] _stepsSinceFired;      // [S] steps since feature i last fired; dead above DeadFeatureWindow
    private readonly long[] _firings;             // [S] tokens on which feature i fired, whole run
    private readonly int[] _activeInBatch;        // [S] this batch's firings

    private Workspace? _work;

    private SaeTrainer(SaeTrainingOptions options, int dIn, SaeParameters initial)
    {
        Options = options;
        DIn = dIn;
        var s = options.DSae;
        _wEnc = initial.WEnc;
        _wDec = initial.WDec;
        _bEnc = initial.BEnc ?? new float[s];
        _bDec = initial.BDec;
        if (options.Architecture == SaeArchitecture.JumpRelu)
        {
            _logThreshold = (initial.Threshold ?? Enumerable.Repeat(options.InitThreshold, s).ToArray()).Select(t => MathF.Log(t)).ToArray();
            _gLogThreshold = new float[s];
        }
        _gWEnc = new float[_wEnc.Length];
        _gWDec = new float[_wDec.Length];
        _gBEnc = new float[s];
        _gBDec = new float[dIn];
        var parameters = Parameters().ToArray();
        _m = parameters.Select(p => new float[p.Value.Length]).ToArray();
        _v = parameters.Select(p => new float[p.Value.Length]).ToArray();
        _decoderNorms = new float[s];
        _stepsSinceFired = new int[s];
        _firings = new long[s];
        _activeInBatch = new int[s];
    }

    public SaeTrainingOptions Options { get; }

    public int DIn { get; }

    public int DSae => Options.DSae;

    /// <summary>Optimiser steps taken.</summary>
    public int Step { get; private set; }

    /// <summary>Training tokens seen (rows of every batch stepped on).</summary>
    public long TokensSeen { get; private set; }

    /// <summary>Features that have not fired for more than <see cref="SaeTrainingOptions.DeadFeatureWindow"/> steps.</summary>
    public int DeadFeatures => _stepsSinceFired.Count(n => n > Options.DeadFeatureWindow);

    /// <summary>Whether feature <paramref name="feature"/> is dead now, i.e. for the next step's AuxK loss.</summary>
    internal bool IsDead(int feature) => _stepsSinceFired[feature] > Options.DeadFeatureWindow;

    /// <summary>
    /// A fresh SAE for inputs of width <paramref name="dIn"/>: random unit-direction decoder rows scaled to
    /// 1 (unit-norm architectures) or <see cref="SaeTrainingOptions.DecoderInitNorm"/>, W_enc = W_decᵀ, zero
    /// biases, θ = the initial threshold. b_dec is set from data by <see cref="InitializeDecoderBias"/>.
    /// </summary>
    public static SaeTrainer Create(SaeTrainingOptions options, int dIn)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dIn);
        options.Validate();
        var s = options.DSae;
        var norm = options.HoldsDecoderAtUnitNorm ? 1f : options.DecoderInitNorm;
        var wDec = new float[checked(s * dIn)];
        CounterRandom.FillNormal(wDec, CounterRandom.Stream(options.Seed, "W_dec"), 1f);
        for (var i = 0; i < s; i++)
        {
            var row = wDec.AsSpan(i * dIn, dIn);
            TensorPrimitives.Multiply(row, norm / TensorPrimitives.Norm(row), row);
        }
        var wEnc = new float[wDec.Length];
        TrainingKernels.Transpose(wDec, s, dIn, wEnc);
        var parameters = new SaeParameters { WEnc = wEnc, WDec = wDec, BDec = new float[dIn], BEnc = new float[s] };
        return new SaeTrainer(options, dIn, parameters);
    }

    /// <summary>A trainer starting from given parameters (copied); θ for JumpReLU, else the options' initial θ.</summary>
    public static SaeTrainer FromParameters(SaeTrainingOptions options, int dIn, SaeParameters initial)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(initial);
        options.Validate();
        if (initial.WEnc.Length != (long)dIn * options.DSae || initial.WDec.Length != (long)dIn * options.DSae || initial.BDec.Length != dIn
            || (initial.BEnc is { } b && b.Length != options.DSae) || (initial.Threshold is { } t && t.Length != options.DSae))
        {
            throw new ArgumentException($"Initial parameters do not match d_in {dIn} and d_sae {options.DSae}.", nameof(initial));
        }
        return new SaeTrainer(options, dIn, new SaeParameters
        {
            WEnc = (float[])initial.WEnc.Clone(), WDec = (float[])initial.WDec.Clone(), BDec = (float[])initial.BDec.Clone(),
            BEnc = (float[]?)initial.BEnc?.Clone(), Threshold = (float[]?)initial.Threshold?.Clone(),
        });
    }

    /// <summary>
    /// Sets b_dec from a sample of activations [rows, I] by <see cref="SaeTrainingOptions.BDecInit"/> (SAELens
    /// initialises it from the first buffer): the geometric median or the mean. Only before the first step.
    /// </summary>
    public void InitializeDecoderBias(ReadOnlySpan<float> sample, int rows)
    {
        if (Step != 0) throw new InvalidOperationException("b_dec is initialised before the first step only.");
        if (sample.Length < (long)rows * DIn || rows <= 0) throw new ArgumentException($"The sample needs [{rows}, {DIn}] values.", nameof(sample));
        switch (Options.BDecInit)
        {
            case BDecInit.Mean:
                GeometricMedian.Mean(sample, rows, DIn).CopyTo(_bDec, 0);
                break;
            case BDecInit.GeometricMedian:
                GeometricMedian.Compute(sample, rows, DIn).CopyTo(_bDec, 0);
                break;
            default:
                Array.Clear(_bDec);
                break;
        }
    }

    /// <summary>One optimiser step on x [rows, I]: forward, backward, Adam, decoder renormalisation, dead-feature counts.</summary>
    public TrainStepResult TrainStep(ReadOnlySpan<float> x, int rows) => TrainStep(x, x, rows);

    /// <summary>One optimiser step of a transcoder (<see cref="SaeTrainingOptions.Transcoder"/>) on inputs x and targets y [rows, I].</summary>
    public TrainStepResult TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int rows)
    {
        if (!Options.Transcoder && !x.Overlaps(y)) throw new InvalidOperationException("A separate target needs SaeTrainingOptions.Transcoder.");
        var (loss, mse, sparsity, aux, l0) = ComputeGradients(x, y, rows);
        var lr = Options.LearningRateAt(Step);
        if (Options.HoldsDecoderAtUnitNorm) TrainingKernels.RemoveParallelComponent(_wDec, _gWDec, DSae, DIn);
        Step++;
        var slot = 0;
        foreach (var (value, gradient) in Parameters())
        {
            TrainingKernels.Adam(value, gradient, _m[slot], _v[slot], lr, Options.AdamBeta1, Options.AdamBeta2, Options.AdamEpsilon, Step);
            slot++;
        }
        if (Options.HoldsDecoderAtUnitNorm) TrainingKernels.NormalizeRows(_wDec, DSae, DIn, _decoderNorms);
        for (var i = 0; i < DSae; i++)
        {
            var active = _activeInBatch[i];
            _firings[i] += active;
            _stepsSinceFired[i] = active > 0 ? 0 : _stepsSinceFired[i] + 1;
        }
        TokensSeen += rows;
        return new TrainStepResult(Step, loss, mse, sparsity, aux, l0, DeadFeatures, lr);
    }

    /// <summary>Each feature's firing fraction over every token trained on so far [S].</summary>
    public double[] FeatureDensity() => _firings.Select(n => TokensSeen == 0 ? 0.0 : (double)n / TokensSeen).ToArray();

    /// <summary>The current parameters in SAELens form (θ = exp(log θ) for JumpReLU), as copies.</summary>
    public SaeParameters ExportParameters() => new()
    {
        WEnc = (float[])_wEnc.Clone(),
        WDec = (float[])_wDec.Clone(),
        BDec = (float[])_bDec.Clone(),
        BEnc = (float[])_bEnc.Clone(),
        Threshold = _logThreshold?.Select(t => MathF.Exp(t)).ToArray(),
    };

    /// <summary>The gradients of the last <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> (a step projects ∂W_dec in place), in SAELens form (threshold: ∂L/∂log θ).</summary>
    internal SaeParameters LastGradients() => new()
    {
        WEnc = _gWEnc, WDec = _gWDec, BDec = _gBDec, BEnc = _gBEnc, Threshold = _gLogThreshold,
    };

    /// <summary>Parameters and their gradients, in a fixed order (the order of the Adam moments and the checkpoint).</summary>
    private IEnumerable<(float[] Value, float[] Gradient)> Parameters()
    {
        yield return (_wEnc, _gWEnc);
        yield return (_bEnc, _gBEnc);
        yield return (_wDec, _gWDec);
        yield return (_bDec, _gBDec);
        if (_logThreshold is not null) yield return (_logThreshold, _gLogThreshold!);
    }
}
