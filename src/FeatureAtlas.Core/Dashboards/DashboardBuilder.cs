using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Computes the dashboards of every feature of several SAEs in one pass over a corpus: each batch of windows
/// runs through the model once (stopping at the deepest hook the SAEs read), every SAE encodes its hook, and
/// per-feature accumulators keep bounded state. SAE decoders are folded to unit norm first, as SAEDashboard
/// does, so the SAEs given are modified: pass instances dedicated to this builder.
/// </summary>
public sealed class DashboardBuilder
{
    private readonly FeatureAccumulator[] _accumulators;
    private readonly CorrelationAccumulator[] _correlations;
    private readonly RunOptions _runOptions;   // one instance, so the model's hook plan is worked out once
    private float[] _features = [];
    private bool _empty;   // nothing added or merged since construction or the last Reset: the sums are all zero

    public DashboardBuilder(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, DashboardOptions options)
        : this(model, saes, options, null, null)
    {
    }

    private DashboardBuilder(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, DashboardOptions options, FeatureAccumulator[]? restored, CorrelationAccumulator[]? restoredCorrelations)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(options);
        if (saes.Count == 0) throw new ArgumentException("At least one SAE is needed.", nameof(saes));
        foreach (var sae in saes)
        {
            sae.CheckFits(model.Config);
            sae.FoldDecoderNorms();
        }
        Model = model;
        Saes = saes;
        Options = options;
        _accumulators = restored ?? saes.Select(s => new FeatureAccumulator(s.DSae, options)).ToArray();
        _correlations = restoredCorrelations ?? saes.Select(s => new CorrelationAccumulator(s.DSae, s.DIn, options)).ToArray();
        _empty = restored is null && restoredCorrelations is null;
        Hooks = saes.Select(s => s.HookName).Distinct().ToArray();
        _runOptions = new RunOptions { Cache = Hooks.ToArray(), ComputeLogits = false };
    }

    public Gpt2Model Model { get; }

    public IReadOnlyList<SparseAutoencoder> Saes { get; }

    public DashboardOptions Options { get; }

    public IReadOnlyList<string> Hooks { get; }

    /// <summary>Windows accumulated so far.</summary>
    public int Windows => _accumulators[0].Windows;

    public long Tokens => _accumulators[0].TotalTokens;

    /// <summary>Adds equal-length windows: <paramref name="tokens"/> [windows · length], with their corpus indexes.</summary>
    public void Add(ReadOnlySpan<int> tokens, ReadOnlySpan<int> windowIndexes, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        _empty = false;
        if (tokens.Length != windowIndexes.Length * length)
        {
            throw new ArgumentException($"{tokens.Length} tokens do not make {windowIndexes.Length} windows of {length}.", nameof(tokens));
        }
        var output = Model.Run(tokens, windowIndexes.Length, _runOptions);
        var rows = tokens.Length;
        for (var s = 0; s < Saes.Count; s++)
        {
            var sae = Saes[s];
            var needed = rows * sae.DSae;
            if (_features.Length < needed) _features = new float[needed];
            var input = output.Cache[sae.HookName].Data;
            // Infinity or NaN would be stored and break every later export (JSON has neither): stop and say where.
            if (!TensorPrimitives.IsFiniteAll<float>(input)) throw NonFiniteValuesException.For(input, input.Length / rows, sae.HookName);
            sae.Encode(input, rows, _features);
            var features = _features.AsSpan(0, needed);
            if (!TensorPrimitives.IsFiniteAll<float>(features)) throw NonFiniteValuesException.For(features, sae.DSae, $"SAE '{sae.Name}' activations");
            _accumulators[s].Add(_features, tokens, windowIndexes, length);   // zeroes the rows at BOS
            _correlations[s].Add(features, input, tokens, rows);
        }
    }

    /// <summary>
    /// The dashboards from everything added so far, logit tables included: <paramref name="logits"/> when given (one
    /// entry per SAE, null for an SAE without them, as <see cref="FeatureLogits.Compute(SparseAutoencoder, Gpt2Model, DashboardOptions)"/>
    /// returns; a sharded build computes them beside its corpus shards), else computed here.
    /// </summary>
    public IReadOnlyList<SaeDashboards> Build(IReadOnlyList<LogitTable[]?>? logits = null)
    {
        if (logits is not null && logits.Count != Saes.Count) throw new ArgumentException($"Logit tables for {logits.Count} SAEs, this build has {Saes.Count}.", nameof(logits));
        var result = new List<SaeDashboards>(Saes.Count);
        for (var s = 0; s < Saes.Count; s++)
        {
            var sae = Saes[s];
            var accumulator = _accumulators[s];
            var features = accumulator.Build();
            var logitTables = logits is null ? FeatureLogits.Compute(sae, Model, Options) : logits[s];
            if (logitTables is not null && logitTables.Length != sae.DSae)
            {
                throw new ArgumentException($"SAE '{sae.Name}' has {sae.DSae} features, its logit tables {logitTables.Length}.", nameof(logits));
            }
            var tables = _correlations[s].Build(sae.Parameters.WDec, Options.TableRows);
            features = features.Select((f, i) => f with { Logits = logitTables?[i], Tables = tables[i] }).ToArray();
            var (density, dead) = accumulator.DensitySummary();
            result.Add(new SaeDashboards
            {
                SaeName = sae.Name,
                HookName = sae.HookName,
                TotalTokens = accumulator.TotalTokens,
                Windows = accumulator.Windows,
                LogDensityHistogram = density,
                DeadFeatures = dead,
                Features = features,
            });
        }
        return result;
    }

    /// <summary>Writes every accumulator; with <see cref="Restore"/> a killed run resumes to the identical result.</summary>
    public void WriteCheckpoint(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(_accumulators.Length);
        foreach (var accumulator in _accumulators) accumulator.Write(writer);
        foreach (var correlations in _correlations) correlations.Write(writer);
    }

    /// <summary>
    /// Adds the state in a checkpoint of another builder over the same model, SAEs and options but other windows (a
    /// shard of the corpus): the dashboards equal one builder's fed both shards' windows (<see cref="FeatureAccumulator.Merge"/>),
    /// the feature tables' correlations to float precision (<see cref="CorrelationAccumulator.MergeFrom"/>).
    /// </summary>
    public void MergeCheckpoint(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        if (count != _accumulators.Length) throw new InvalidDataException($"The checkpoint holds {count} SAEs, this run has {_accumulators.Length}.");
        _empty = false;
        for (var i = 0; i < count; i++) _accumulators[i].Merge(FeatureAccumulator.Read(reader, Options));
        for (var i = 0; i < count; i++) _correlations[i].MergeFrom(reader);
    }

    /// <summary>
    /// Forgets every window added or merged, keeping the model, the SAEs (folded) and the memory of the sums: the builder
    /// is then as new, for another shard of the same build. A builder that is already empty is left alone: clearing
    /// 1.35 GB of sums never touched (24,576 features) would fault in every page of them for nothing.
    /// </summary>
    public void Reset()
    {
        if (_empty) return;
        foreach (var accumulator in _accumulators) accumulator.Reset();
        foreach (var correlations in _correlations) correlations.Reset();
        _empty = true;
    }

    /// <summary>A builder continuing from a checkpoint written for the same model, SAEs and options.</summary>
    public static DashboardBuilder Restore(Stream stream, Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(saes);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        if (count != saes.Count) throw new InvalidDataException($"The checkpoint holds {count} SAEs, this run has {saes.Count}.");
        var accumulators = new FeatureAccumulator[count];
        for (var i = 0; i < count; i++)
        {
            accumulators[i] = FeatureAccumulator.Read(reader, options);
            if (accumulators[i].Features != saes[i].DSae)
            {
                throw new InvalidDataException($"The checkpoint's SAE {i} has {accumulators[i].Features} features, '{saes[i].Name}' has {saes[i].DSae}.");
            }
        }
        var correlations = new CorrelationAccumulator[count];
        for (var i = 0; i < count; i++)
        {
            correlations[i] = CorrelationAccumulator.Read(reader, options);
            if (correlations[i].Features != saes[i].DSae || correlations[i].Inputs != saes[i].DIn)
            {
                throw new InvalidDataException($"The checkpoint's SAE {i} correlations are {correlations[i].Features} × {correlations[i].Inputs}, '{saes[i].Name}' is {saes[i].DSae} × {saes[i].DIn}.");
            }
        }
        return new DashboardBuilder(model, saes, options, accumulators, correlations);
    }
}
