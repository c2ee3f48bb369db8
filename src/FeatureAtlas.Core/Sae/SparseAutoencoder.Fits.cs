using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Sae;

public sealed partial class SparseAutoencoder
{
    /// <summary>
    /// An <see cref="InvalidDataException"/> naming this SAE unless its hook exists in <paramref name="model"/> and its
    /// d_in equals that hook's width: the check every pipeline makes before any work.
    /// </summary>
    public void CheckFits(Gpt2Config model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int width;
        try
        {
            width = SaeInitializer.InputWidth(model, HookName);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"SAE '{Name}': {e.Message}", e);
        }
        if (DIn != width)
        {
            throw new InvalidDataException($"SAE '{Name}' reads {HookName} with d_in {DIn}, but this model's {HookName} is {width} wide.");
        }
    }
}
