namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// A model queue's state: pieces waiting, whether one runs now, and how many have finished each way (cancelled
/// counts work dropped before it started and work that stopped on its caller's token).
/// </summary>
public readonly record struct WorkQueueStats(int Waiting, bool Running, long Completed, long Cancelled, long Failed);
