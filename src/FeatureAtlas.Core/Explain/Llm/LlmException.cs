namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>The endpoint refused a request, or kept failing after every retry. The message never holds the API key.</summary>
public sealed class LlmException(string message, Exception? inner = null) : Exception(message, inner);
