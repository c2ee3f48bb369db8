using System.CommandLine;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>--set</c> and <c>--set-description</c>, shared by the commands that add SAEs (<c>dashboards build</c>,
/// <c>sae add</c>): the Neuronpedia source set the SAEs join, checked before any work.
/// </summary>
internal sealed class SourceSetOptions
{
    public Option<string?> Set { get; } = new("--set")
    {
        Description = "The Neuronpedia source set the SAEs join, e.g. res-jb: their source ids become {layer}-{set} unless a cfg.json names its neuronpedia_id (default: named after the hook kind, e.g. res).",
    };

    public Option<string?> Description { get; } = new("--set-description") { Description = "A description of the source set, stored with it." };

    /// <summary>The set named (null: none) and its description; a malformed name, or a description without a set, is a <see cref="UsageException"/>.</summary>
    public (string? Name, string? Description) Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var name = parse.GetValue(Set);
        try
        {
            if (name is not null) SourceSetName.Check(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--set: {e.Message.Replace(" (Parameter 'name')", "", StringComparison.Ordinal)}");
        }
        var description = parse.GetValue(Description);
        if (description is not null && name is null) throw new UsageException("--set-description needs --set (the set it describes).");
        return (name, description);
    }
}
