namespace FeatureAtlas.Core.Runtime;

/// <summary>A model or SAE is in the atlas but cannot run in this process (its folder is missing or unreadable).</summary>
public sealed class ModelUnavailableException : Exception
{
    public ModelUnavailableException(string message)
        : base(message)
    {
    }

    public ModelUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
