using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    /// <summary>
    /// Checks a source set name as Neuronpedia's source ids need it (<c>{layer}-{set}</c>, the set read back as the text
    /// after the first <c>-</c> and before any <c>__</c>): 1 to 64 lowercase letters, digits and inner dashes, no
    /// <c>__</c>. Returns it; anything else is an <see cref="ArgumentException"/> naming what was found.
    /// </summary>
    public static string SourceSetName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var ok = name.Length is > 0 and <= SourceSetEntity.MaxName && name[0] != '-' && name[^1] != '-'
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
        return ok ? name : throw new ArgumentException($"A source set name is 1 to {SourceSetEntity.MaxName} lowercase letters, digits and inner dashes (like res-jb); found '{name}'.", nameof(name));
    }

    /// <summary>Names or describes a source set of the model, creating it if needed; SAEs join it through <see cref="Core.Storage.SaeRecord.SetName"/>.</summary>
    public async Task UpsertSourceSetAsync(string model, string name, string description, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(description);
        name = SourceSetName(name);
        if (description.Length > SourceSetEntity.MaxDescription) throw new ArgumentException($"A source set description is at most {SourceSetEntity.MaxDescription} characters; found {description.Length}.", nameof(description));
        await using var db = _database.CreateContext();
        var modelId = await db.Models.Where(m => m.Name == model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken) ?? throw UnknownModel(model);
        var row = await db.SourceSets.SingleOrDefaultAsync(s => s.ModelId == modelId && s.Name == name, cancellationToken);
        if (row is null) db.SourceSets.Add(new SourceSetEntity { ModelId = modelId, Name = name, Description = description });
        else row.Description = description;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The model's stored source sets and their descriptions (empty when none was named); an unknown model is an error.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListSourceSetsAsync(string model, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var modelId = await db.Models.Where(m => m.Name == model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken) ?? throw UnknownModel(model);
        var rows = await db.SourceSets.AsNoTracking().Where(s => s.ModelId == modelId).ToListAsync(cancellationToken);
        return rows.ToDictionary(s => s.Name, s => s.Description, StringComparer.Ordinal);
    }
}
