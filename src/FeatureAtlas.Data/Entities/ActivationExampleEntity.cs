namespace FeatureAtlas.Data.Entities;

/// <summary>
/// One dashboard example (table <c>activation_examples</c>). Tokens are not copied: <see cref="WindowIndex"/>
/// points into the corpus the dashboards were computed over, and only the feature's non-zero activations over
/// the window are kept, as parallel position and value blobs.
/// </summary>
public sealed class ActivationExampleEntity
{
    /// <summary>The top group's number; interval groups use their interval index (0 the lowest).</summary>
    public const int TopGroup = -1;

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    /// <summary><see cref="TopGroup"/> or the interval index.</summary>
    public int Group { get; set; }

    /// <summary>Order within the group, 0 first.</summary>
    public int Rank { get; set; }

    public int WindowIndex { get; set; }

    /// <summary>The highlighted token's position in the window.</summary>
    public int Position { get; set; }

    /// <summary>The activation at the highlighted token.</summary>
    public float Value { get; set; }

    /// <summary>Positions of the non-zero activations, ascending, as uint16 LE.</summary>
    public required byte[] Positions { get; set; }

    /// <summary>The activations at those positions, as float32 LE.</summary>
    public required byte[] Values { get; set; }
}
