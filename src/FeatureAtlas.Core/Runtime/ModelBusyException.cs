namespace FeatureAtlas.Core.Runtime;

/// <summary>A model's work queue is full: the caller should wait and try again (HTTP 503 with Retry-After).</summary>
public sealed class ModelBusyException(string message) : Exception(message);
