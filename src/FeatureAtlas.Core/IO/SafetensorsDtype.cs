namespace FeatureAtlas.Core.IO;

/// <summary>
/// Element types named by the safetensors format (huggingface/safetensors, <c>enum Dtype</c>).
/// Member names are the exact strings used in the header's <c>"dtype"</c> field.
/// </summary>
/// <remarks>
/// Only <see cref="F32"/>, <see cref="F16"/> and <see cref="BF16"/> convert to float; the others are
/// parsed and validated so that files holding them (masks, token ids, quantised blocks) still open.
/// </remarks>
public enum SafetensorsDtype
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    BOOL,
    C64,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    F8_E4M3FNUZ,
    F8_E5M2FNUZ,
    F6_E2M3,
    F6_E3M2,
    F4,
}
