using System.Collections.Frozen;

namespace FeatureAtlas.Core.IO;

/// <summary>Bit widths and header names of <see cref="SafetensorsDtype"/> values.</summary>
public static class SafetensorsDtypeExtensions
{
    // Built from the enum's own names so that the header spelling and the member can never drift.
    // Enum.TryParse is avoided on purpose: it accepts numbers ("3") and, optionally, any casing.
    private static readonly FrozenDictionary<string, SafetensorsDtype> ByName =
        Enum.GetValues<SafetensorsDtype>().ToFrozenDictionary(d => d.ToString(), StringComparer.Ordinal);

    /// <summary>Bits per element; sub-byte types (F4, F6_*) pack several elements per byte.</summary>
    public static int BitSize(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F4 => 4,
        SafetensorsDtype.F6_E2M3 or SafetensorsDtype.F6_E3M2 => 6,
        SafetensorsDtype.BOOL or SafetensorsDtype.U8 or SafetensorsDtype.I8
            or SafetensorsDtype.F8_E5M2 or SafetensorsDtype.F8_E4M3 or SafetensorsDtype.F8_E8M0
            or SafetensorsDtype.F8_E4M3FNUZ or SafetensorsDtype.F8_E5M2FNUZ => 8,
        SafetensorsDtype.I16 or SafetensorsDtype.U16 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 16,
        SafetensorsDtype.I32 or SafetensorsDtype.U32 or SafetensorsDtype.F32 => 32,
        SafetensorsDtype.I64 or SafetensorsDtype.U64 or SafetensorsDtype.F64 or SafetensorsDtype.C64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>True for the dtypes <see cref="SafetensorsFile.ReadFloat32(string)"/> can widen.</summary>
    public static bool IsConvertibleToFloat32(this SafetensorsDtype dtype) =>
        dtype is SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16;

    /// <summary>Exact, case-sensitive match of a header dtype string.</summary>
    internal static bool TryParse(string name, out SafetensorsDtype dtype) => ByName.TryGetValue(name, out dtype);
}
