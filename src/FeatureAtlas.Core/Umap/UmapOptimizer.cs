using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Umap;

/// <summary>
/// UMAP's SGD layout (umap-learn's optimize_layout_euclidean): each edge is sampled every max_w / w epochs,
/// pulling its head toward its tail, with negative_sample_rate random points pushed away per sample; the
/// learning rate decays linearly to zero over the epochs and each gradient component is clipped to ±4.
/// <para>
/// Unlike umap-learn's Hogwild loop, an epoch here reads the other points from a snapshot taken at its start and
/// moves only the head of each edge (the graph is symmetric, so every edge is also a head's edge from the
/// other side; the attraction counts twice, as umap-learn's move_other gives each end two pulls per sample).
/// Points are then independent within an epoch, so they run in parallel and the result is identical for any
/// thread count. The state (epoch, coordinates, sampling clocks) saves and restores for resumable jobs.
/// </para>
/// </summary>
public sealed class UmapOptimizer
{
    private const float Clip = 4f;
    private const int Chunk = 256;

    private readonly FuzzyGraph _graph;
    private readonly float[] _epochsPerSample;      // [nnz]
    private readonly float[] _nextSample;           // [nnz]
    private readonly float[] _nextNegative;         // [nnz]
    private readonly float _a, _b, _gamma, _learningRate;
    private readonly int _negativeRate;
    private readonly ulong _stream;

    public UmapOptimizer(FuzzyGraph graph, float[] initial, UmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(options);
        if (initial.Length != graph.Points * 2) throw new ArgumentException($"initial needs [{graph.Points}, 2] coordinates, has {initial.Length}.", nameof(initial));
        _graph = graph;
        Embedding = (float[])initial.Clone();
        Epochs = options.EpochCount(graph.Points);
        (_a, _b) = UmapCurve.FitAb(options.Spread, options.MinDist);
        _gamma = options.RepulsionStrength;
        _learningRate = options.LearningRate;
        _negativeRate = options.NegativeSampleRate;
        _stream = CounterRandom.Stream(options.Seed, "umap.sgd");

        var max = graph.Weights.Length == 0 ? 1f : graph.Weights.Max();
        _epochsPerSample = new float[graph.Edges];
        for (var p = 0; p < graph.Edges; p++) _epochsPerSample[p] = graph.Weights[p] > 0 ? max / graph.Weights[p] : float.PositiveInfinity;
        _nextSample = (float[])_epochsPerSample.Clone();
        _nextNegative = new float[graph.Edges];
        for (var p = 0; p < graph.Edges; p++) _nextNegative[p] = _negativeRate == 0 ? float.PositiveInfinity : _epochsPerSample[p] / _negativeRate;
    }

    /// <summary>Coordinates [N, 2].</summary>
    public float[] Embedding { get; }

    /// <summary>Epochs run so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>Epochs in the whole schedule.</summary>
    public int Epochs { get; }

    public bool IsDone => Epoch >= Epochs;

    /// <summary>Runs up to <paramref name="count"/> more epochs (fewer at the end of the schedule).</summary>
    public void Run(int count, CancellationToken cancellationToken = default)
    {
        var snapshot = new float[Embedding.Length];
        for (var step = 0; step < count && !IsDone; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Copy(Embedding, snapshot, snapshot.Length);
            var epoch = Epoch;
            var alpha = _learningRate * (1f - (float)epoch / Epochs);
            Parallel.For(0, (_graph.Points + Chunk - 1) / Chunk, chunk =>
            {
                var end = Math.Min(_graph.Points, (chunk + 1) * Chunk);
                for (var j = chunk * Chunk; j < end; j++) MovePoint(j, epoch, alpha, snapshot);
            });
            Epoch++;
        }
    }

    private void MovePoint(int j, int epoch, float alpha, float[] snapshot)
    {
        float a = _a, b = _b;
        var n = _graph.Points;
        var x = Embedding[2 * j];
        var y = Embedding[2 * j + 1];
        for (var p = _graph.RowStart[j]; p < _graph.RowStart[j + 1]; p++)
        {
            if (_nextSample[p] > epoch) continue;
            var k = _graph.Columns[p];
            var dx = x - snapshot[2 * k];
            var dy = y - snapshot[2 * k + 1];
            var d2 = dx * dx + dy * dy;
            if (d2 > 0f)
            {
                var pow = MathF.Pow(d2, b);
                var coefficient = -2f * a * b * (pow / d2) / (a * pow + 1f);
                x += 2f * Math.Clamp(coefficient * dx, -Clip, Clip) * alpha;
                y += 2f * Math.Clamp(coefficient * dy, -Clip, Clip) * alpha;
            }
            _nextSample[p] += _epochsPerSample[p];

            var perNegative = _epochsPerSample[p] / _negativeRate;
            var negatives = _negativeRate == 0 ? 0 : (int)((epoch - _nextNegative[p]) / perNegative);
            for (var s = 0; s < negatives; s++)
            {
                var index = ((((ulong)epoch * (ulong)_graph.Edges) + (ulong)p) << 8) + (ulong)s;
                var other = Math.Min(n - 1, (int)(CounterRandom.Uniform(_stream, index) * n));
                if (other == j) continue;
                dx = x - snapshot[2 * other];
                dy = y - snapshot[2 * other + 1];
                d2 = dx * dx + dy * dy;
                if (!(d2 > 0f)) continue;
                var coefficient = 2f * _gamma * b / ((0.001f + d2) * (a * MathF.Pow(d2, b) + 1f));
                x += Math.Clamp(coefficient * dx, -Clip, Clip) * alpha;
                y += Math.Clamp(coefficient * dy, -Clip, Clip) * alpha;
            }
            if (negatives > 0) _nextNegative[p] += negatives * perNegative;
        }
        Embedding[2 * j] = x;
        Embedding[2 * j + 1] = y;
    }

    /// <summary>Writes the epoch, coordinates and sampling clocks (everything <see cref="Run"/> changes).</summary>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Epoch);
        writer.Write(Embedding.Length);
        foreach (var array in new[] { Embedding, _nextSample, _nextNegative })
        {
            writer.Write(array.Length);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan()));
        }
    }

    /// <summary>Restores what <see cref="Save"/> wrote, for the same graph and options.</summary>
    public void Restore(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var epoch = reader.ReadInt32();
        if (reader.ReadInt32() != Embedding.Length) throw new InvalidDataException("UMAP checkpoint: the embedding size differs from this graph's.");
        foreach (var array in new[] { Embedding, _nextSample, _nextNegative })
        {
            var length = reader.ReadInt32();
            if (length != array.Length) throw new InvalidDataException($"UMAP checkpoint: an array has {length} elements, expected {array.Length}.");
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan());
            reader.BaseStream.ReadExactly(bytes);
        }
        Epoch = epoch;
    }
}
