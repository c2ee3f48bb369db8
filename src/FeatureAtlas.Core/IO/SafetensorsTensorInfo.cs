namespace FeatureAtlas.Core.IO;

/// <summary>
/// One header entry of a safetensors file. <see cref="Begin"/> and <see cref="End"/> (exclusive) are
/// byte offsets from the start of the data section, exactly as written in <c>data_offsets</c>; the
/// absolute file offset is 8 + header length + <see cref="Begin"/>.
/// </summary>
public readonly record struct SafetensorsTensorInfo(
    string Name, SafetensorsDtype Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Product of <see cref="Shape"/>; a scalar (shape <c>[]</c>) holds one element.</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dim in Shape)
                count = checked(count * dim);
            return count;
        }
    }

    /// <summary>Length of the tensor's bytes in the data section.</summary>
    public long ByteLength => End - Begin;
}
