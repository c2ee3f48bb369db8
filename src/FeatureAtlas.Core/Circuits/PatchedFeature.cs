namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// One SAE feature patched clean → corrupted: its write into the hook at every position replaced by its write on the
/// clean run (the other features and the SAE error term kept). <see cref="Attribution"/> is the first-order estimate
/// that ranked it (attribution patching: the change in the write · ∂metric/∂hook on the corrupted run),
/// <see cref="Patched"/> the exact effect of the patch; both normalised (clean = 1, corrupted = 0).
/// </summary>
public readonly record struct PatchedFeature(string Sae, int Index, float Attribution, float Patched);
