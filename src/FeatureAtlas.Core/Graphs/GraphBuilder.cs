using System.Diagnostics;
using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Builds the attribution graph of one prompt, as circuit-tracer's attribute() defines it. The local replacement model
/// is GPT-2 with every MLP replaced by its transcoder plus a constant error (the MLP output minus the transcoder's), and
/// with attention patterns and layer-norm scales frozen at their values on the prompt: the residual stream is then a
/// linear function of the sources (token embeddings, feature activations, errors) plus biases, and the direct effect
/// of a source on a target is a dot product with the target's gradient. Targets are propagated in batches (many
/// gradients through one frozen system: GEMMs of B·T rows), logits first, then features in order of influence.
/// <para>
/// Why not <see cref="Gpt2Model.Backward"/>: that differentiates GPT-2 itself, through its MLPs, for one metric per
/// recorded sequence. The replacement model cuts the MLP path (a transcoder's features are sources, its error a
/// constant), adds the skip path, injects gradients at every layer's transcoder input, and shares one frozen pattern
/// among thousands of targets; its pieces (frozen attention: dV = Pᵀ·dZ; frozen layer norm: (g − mean g)/σ) are the
/// same formulas.
/// </para>
/// Shapes: T positions, D d_model, H heads, Dh head dim, S d_sae, B targets per batch.
/// </summary>
public static partial class GraphBuilder
{
    /// <summary>Checks a transcoder set against the model and each other: one transcoder per block, each fitting.</summary>
    public static Transcoder[] Arrange(Gpt2Config model, IReadOnlyList<Transcoder> transcoders)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(transcoders);
        var byLayer = new Transcoder[model.Layers];
        foreach (var t in transcoders)
        {
            t.CheckFits(model);
            if (byLayer[t.Layer] is { } other)
            {
                throw new InvalidDataException($"Transcoders '{other.Name}' and '{t.Name}' both replace block {t.Layer}'s MLP; give one transcoder per block.");
            }
            byLayer[t.Layer] = t;
        }
        // Widths and hooks fit; the set must also come from one model (SAELens metadata.model_name), or each block reads
        // a residual stream its transcoder never saw.
        var named = transcoders.Where(t => !string.IsNullOrEmpty(t.Encoder.Config.ModelName)).ToArray();
        if (named.FirstOrDefault(t => t.Encoder.Config.ModelName != named[0].Encoder.Config.ModelName) is { } stranger)
        {
            throw new InvalidDataException($"Transcoders '{named[0].Name}' (model_name {named[0].Encoder.Config.ModelName}) and '{stranger.Name}' (model_name {stranger.Encoder.Config.ModelName}) were trained on different models; give one model's transcoders.");
        }
        var missing = Enumerable.Range(0, model.Layers).Where(l => byLayer[l] is null).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidDataException($"No transcoder for block(s) {string.Join(", ", missing)}: a replacement model needs one transcoder per MLP ({model.Layers} blocks, {transcoders.Count} transcoder(s) given).");
        }
        return byLayer;
    }

    /// <summary>
    /// Builds the unpruned graph of <paramref name="tokens"/> (used as given: no BOS added). With a
    /// <paramref name="checkpoint"/>, the build continues from its saved state, saves when it is due and when cancelled,
    /// and ends with the graph an uninterrupted build gives.
    /// </summary>
    public static AttributionGraph Build(Gpt2Model model, IReadOnlyList<Transcoder> transcoders, ReadOnlySpan<int> tokens, GraphOptions? options = null,
        IProgress<GraphProgress>? progress = null, IGraphCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new GraphOptions();
        options.Validate();
        var c = model.Config;
        if (tokens.Length == 0) throw new ArgumentException("The prompt has no tokens.", nameof(tokens));
        if (tokens.Length > GraphOptions.MaxPromptTokens) throw new ArgumentException($"The prompt has {tokens.Length} tokens; attribution graphs allow at most {GraphOptions.MaxPromptTokens}.", nameof(tokens));
        if (tokens.Length > c.Positions) throw new ArgumentException($"The prompt has {tokens.Length} tokens; the model's n_positions is {c.Positions}.", nameof(tokens));
        foreach (var token in tokens)
        {
            if ((uint)token >= (uint)c.Vocab) throw new ArgumentException($"Token id {token} is outside the vocabulary (0..{c.Vocab - 1}).", nameof(tokens));
        }
        var layers = Arrange(c, transcoders);
        var clock = Stopwatch.GetTimestamp();
        var system = FrozenSystem.Record(model, layers, tokens);
        var recordSeconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        clock = Stopwatch.GetTimestamp();
        long rankingTicks = 0;
        cancellationToken.ThrowIfCancellationRequested();

        var features = system.Features;
        var logits = ChooseLogits(system.LastLogits, options);
        int nActive = features.Count, t = system.T, nLayers = c.Layers;
        var logitOffset = nActive + (nLayers + 1) * t;                      // columns: features | errors | tokens
        var maxFeatures = Math.Min(options.MaxFeatureNodes, nActive);
        var rowCount = logits.Count + maxFeatures;
        var edges = new float[(long)rowCount * logitOffset];                  // rows in visit order
        var rowNode = new int[rowCount];                                       // row → node index (features, then logits at logitOffset + i)
        var rowLayer = new int[rowCount];                                      // row → its node's block (logits: n_layers)
        var total = rowCount;
        var visited = new bool[nActive];
        var rows = 0;
        int[]? pending = null;
        var pendingDone = 0;
        if (checkpoint?.Restore() is { } saved)
        {
            if (saved.Columns != logitOffset || saved.Visited.Length != nActive || saved.Rows > rowCount || saved.RowNode.Length != saved.Rows
                || saved.RowLayer.Length != saved.Rows || saved.Edges.Length != (long)saved.Rows * logitOffset || saved.PendingDone > saved.Pending.Length)
            {
                throw new InvalidDataException($"The saved graph state ({saved.Rows} rows of {saved.Columns}) does not fit this graph ({rowCount} rows of {logitOffset}).");
            }
            rows = saved.Rows;
            saved.RowNode.CopyTo(rowNode, 0);
            saved.RowLayer.CopyTo(rowLayer, 0);
            saved.Visited.CopyTo(visited, 0);
            saved.Edges.CopyTo(edges, 0);
            pending = saved.Pending.Length == 0 ? null : saved.Pending;
            pendingDone = saved.PendingDone;
        }
        void BatchDone()
        {
            progress?.Report(new GraphProgress(rows, total));
            if (checkpoint is not null && (cancellationToken.IsCancellationRequested || checkpoint.Due))
            {
                checkpoint.Save(new GraphBuildState(rows, logitOffset, rowNode, rowLayer, visited, pending ?? [], pendingDone, edges));
            }
            cancellationToken.ThrowIfCancellationRequested();
        }

        // Logits first.
        var logitVectors = system.LogitSeeds(logits);
        for (var start = rows; start < logits.Count; start += options.BatchSize)
        {
            var n = Math.Min(options.BatchSize, logits.Count - start);
            var seeds = Enumerable.Range(start, n).Select(i => new Seed(nLayers, t - 1, logitVectors[i])).ToArray();
            system.Propagate(seeds, edges.AsSpan(start * logitOffset, n * logitOffset), logitOffset);
            for (var i = 0; i < n; i++)
            {
                rowNode[start + i] = logitOffset + start + i;
                rowLayer[start + i] = nLayers;
            }
            rows = start + n;
            BatchDone();
        }

        // Then features, by influence on the logits as far as it is known (all of them, in order, when all fit).
        var probabilities = logits.Select(l => (double)l.Probability).ToArray();
        while (rows - logits.Count < maxFeatures)
        {
            if (pending is null)
            {
                if (maxFeatures == nActive)
                {
                    pending = Enumerable.Range(0, nActive).Where(i => !visited[i]).ToArray();
                }
                else
                {
                    var ranking = Stopwatch.GetTimestamp();
                    var influence = GraphPruning.PartialInfluences(edges.AsSpan(0, rows * logitOffset), rows, logitOffset, logits.Count, probabilities, rowNode.AsSpan(0, rows), rowLayer.AsSpan(0, rows));
                    var queue = Math.Min(options.UpdateInterval * options.BatchSize, maxFeatures - (rows - logits.Count));
                    pending = Enumerable.Range(0, nActive).Where(i => !visited[i])
                        .OrderByDescending(i => influence[i]).ThenBy(i => i).Take(queue).ToArray();
                    rankingTicks += Stopwatch.GetTimestamp() - ranking;
                }
                // Which features are visited is decided; the order within the queue is free (rows are placed by node), so
                // batch features of nearby blocks and positions together: a batch then skips the blocks above its highest
                // feature and the positions after each feature's own (FrozenSystem.Propagate), ~2-4x less work at 32 tokens.
                pending = [.. pending.OrderByDescending(i => features[i].Layer).ThenByDescending(i => features[i].Position).ThenBy(i => i)];
                pendingDone = 0;
            }
            while (pending is not null)
            {
                var batch = pending.AsSpan(pendingDone, Math.Min(options.BatchSize, pending.Length - pendingDone)).ToArray();
                var seeds = batch.Select(i => new Seed(features[i].Layer, features[i].Position, system.EncoderSeed(i))).ToArray();
                system.Propagate(seeds, edges.AsSpan(rows * logitOffset, batch.Length * logitOffset), logitOffset);
                foreach (var i in batch)
                {
                    visited[i] = true;
                    rowLayer[rows] = features[i].Layer;
                    rowNode[rows++] = i;
                }
                pendingDone += batch.Length;
                if (pendingDone == pending.Length) (pending, pendingDone) = (null, 0);
                BatchDone();
            }
        }

        var loop = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        clock = Stopwatch.GetTimestamp();
        var graph = Package(system, logits, edges, rowNode, rows, visited, logitOffset);
        var seconds = (double)Stopwatch.Frequency;
        return new AttributionGraph
        {
            Tokens = graph.Tokens, Layers = graph.Layers, ActiveFeatures = graph.ActiveFeatures, SelectedFeatures = graph.SelectedFeatures, Logits = graph.Logits,
            Adjacency = graph.Adjacency, Inputs = graph.Inputs, BiasInputs = graph.BiasInputs,
            Timings = new GraphTimings(recordSeconds, loop - rankingTicks / seconds, system.GemmTicks / seconds, system.AttentionTicks / seconds, system.ReadOffTicks / seconds,
                rankingTicks / seconds, Stopwatch.GetElapsedTime(clock).TotalSeconds),
        };
    }

    /// <summary>Top logits at the last position until their cumulative probability reaches the goal, at most MaxLogits.</summary>
    internal static List<LogitTarget> ChooseLogits(float[] lastLogits, GraphOptions options)
    {
        var max = lastLogits.Max();
        var exp = lastLogits.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        var mean = lastLogits.Average(v => (double)v);
        var top = Enumerable.Range(0, lastLogits.Length).OrderByDescending(i => exp[i]).ThenBy(i => i).Take(options.MaxLogits).ToArray();
        var chosen = new List<LogitTarget>();
        double cumulative = 0;
        foreach (var i in top)
        {
            chosen.Add(new LogitTarget(i, (float)(exp[i] / sum), (float)(lastLogits[i] - mean)));
            cumulative += exp[i] / sum;
            if (cumulative >= options.DesiredLogitProbability) break;
        }
        return chosen;
    }

    private static AttributionGraph Package(FrozenSystem system, List<LogitTarget> logits, float[] edges, int[] rowNode, int rows, bool[] visited, int logitOffset)
    {
        var selected = Enumerable.Range(0, visited.Length).Where(i => visited[i]).ToArray();
        var nonFeature = logitOffset - visited.Length;
        int nSel = selected.Length, nNodes = nSel + nonFeature + logits.Count;
        var column = new int[logitOffset];                                  // edge column → node column, −1 when dropped
        Array.Fill(column, -1);
        for (var k = 0; k < nSel; k++) column[selected[k]] = k;
        for (var k = 0; k < nonFeature; k++) column[visited.Length + k] = nSel + k;
        var nodeOfFeature = new int[visited.Length];
        for (var k = 0; k < nSel; k++) nodeOfFeature[selected[k]] = k;

        var adjacency = new float[(long)nNodes * nNodes];
        var inputs = new float[nNodes];
        var biases = new float[nNodes];
        for (var r = 0; r < rows; r++)
        {
            var node = rowNode[r] >= logitOffset ? nSel + nonFeature + (rowNode[r] - logitOffset) : nodeOfFeature[rowNode[r]];
            var source = edges.AsSpan(r * logitOffset, logitOffset);
            var target = adjacency.AsSpan(node * nNodes, nNodes);
            for (var j = 0; j < logitOffset; j++)
            {
                if (column[j] >= 0) target[column[j]] = source[j];
            }
            if (rowNode[r] >= logitOffset)
            {
                var i = rowNode[r] - logitOffset;
                inputs[node] = logits[i].DemeanedLogit;
                biases[node] = system.LogitBias(logits[i].Token);
            }
            else
            {
                var f = system.Features[rowNode[r]];
                inputs[node] = f.PreActivation;
                biases[node] = system.FeatureBias(f);
            }
        }
        return new AttributionGraph
        {
            Tokens = system.Tokens,
            Layers = system.Layers.Length,
            ActiveFeatures = system.Features,
            SelectedFeatures = selected,
            Logits = logits,
            Adjacency = adjacency,
            Inputs = inputs,
            BiasInputs = biases,
        };
    }

    /// <summary>A target's gradient: added at the residual stream of block <c>Layer</c>'s transcoder input (or after ln_final when Layer = n_layers), at one position.</summary>
    internal readonly record struct Seed(int Layer, int Position, float[] Vector);

    /// <summary>The encoder pre-activations x̂·W_enc + b_enc [S] of one row (features are then read at their indices).</summary>
    internal static float PreActivation(SparseAutoencoder encoder, ReadOnlySpan<float> x, int feature)
    {
        var p = encoder.Parameters;
        int dIn = encoder.DIn, dSae = encoder.DSae;
        double sum = p.BEnc![feature];
        for (var j = 0; j < dIn; j++) sum += (double)x[j] * p.WEnc[j * dSae + feature];
        return (float)sum;
    }

    internal static string[] CacheNames(int layers)
    {
        var names = new List<string> { HookNames.FinalScale };
        for (var l = 0; l < layers; l++) names.AddRange([HookNames.Ln1Scale(l), HookNames.Ln2Scale(l), HookNames.Pattern(l), HookNames.Ln2Normalized(l), HookNames.MlpOut(l)]);
        return [.. names];
    }
}
