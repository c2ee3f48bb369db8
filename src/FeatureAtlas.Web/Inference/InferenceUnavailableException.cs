namespace FeatureAtlas.Web.Inference;

/// <summary>A model or SAE is in the atlas but cannot run on this server (its folder is missing or unreadable): HTTP 503.</summary>
public sealed class InferenceUnavailableException : Exception
{
    public InferenceUnavailableException(string message)
        : base(message)
    {
    }

    public InferenceUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
