namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A source set (table <c>source_sets</c>): Neuronpedia's name for SAEs of one model trained alike, named uniquely
/// within the model (the <c>res-jb</c> of source id <c>8-res-jb</c>), with a description. SAEs join one by
/// <see cref="SaeEntity.SetName"/>.
/// </summary>
public sealed class SourceSetEntity
{
    public const int MaxName = Core.Storage.SourceSetName.MaxLength;

    public const int MaxDescription = Core.Storage.SourceSetName.MaxDescription;

    /// <summary>The longest <see cref="Url"/> stored.</summary>
    public const int MaxUrl = 512;

    public int Id { get; set; }

    public int ModelId { get; set; }

    public required string Name { get; set; }

    public required string Description { get; set; }

    /// <summary>The user who created the set through <c>POST /api/source-set/new</c>: only they may upload its features. Null for sets made from the command line.</summary>
    public int? CreatorId { get; set; }

    /// <summary>Where the set's SAEs come from (Neuronpedia's <c>url</c>), when its creator gave one.</summary>
    public string? Url { get; set; }
}
