namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Where <see cref="GraphBuilder.Build"/> stands between two batches of backward passes: the rows of edges computed so
/// far (<see cref="Rows"/> of <see cref="Columns"/>, in visit order, with each row's node and block), the features
/// visited, and the queue of features being visited (<see cref="PendingDone"/> of <see cref="Pending"/> done; empty
/// between queues). A build continued from it visits the same features in the same batches, so it ends with the graph
/// of an uninterrupted build. Arrays handed to <see cref="IGraphCheckpoint.Save"/> are the builder's own and may be
/// longer than the counts say: only the counted prefix is the state.
/// </summary>
public sealed record GraphBuildState(int Rows, int Columns, int[] RowNode, int[] RowLayer, bool[] Visited, int[] Pending, int PendingDone, float[] Edges);

/// <summary>Where a graph build keeps its <see cref="GraphBuildState"/> so that a build stopped midway can continue.</summary>
public interface IGraphCheckpoint
{
    /// <summary>The state to continue from, or null to start at the beginning.</summary>
    GraphBuildState? Restore();

    /// <summary>Whether a save is due; asked after every batch of backward passes.</summary>
    bool Due { get; }

    /// <summary>Keeps <paramref name="state"/> (called when due, and when the build is cancelled).</summary>
    void Save(GraphBuildState state);
}
