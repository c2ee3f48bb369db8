using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    public async Task UpsertModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(model.Name);
        ArgumentNullException.ThrowIfNull(model.ConfigJson);
        await using var db = _database.CreateContext();
        var row = await db.Models.SingleOrDefaultAsync(m => m.Name == model.Name, cancellationToken);
        if (row is null)
        {
            row = new ModelEntity { Name = model.Name, ConfigJson = model.ConfigJson };
            db.Models.Add(row);
        }
        row.Path = model.Path;
        row.ConfigJson = model.ConfigJson;
        row.Layers = model.Layers;
        row.DModel = model.DModel;
        row.Vocab = model.Vocab;
        row.DisplayName = model.DisplayName ?? row.DisplayName;   // null keeps a name given earlier
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task UpsertSaeAsync(SaeRecord sae, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.Model);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.HookName);
        ArgumentOutOfRangeException.ThrowIfNegative(sae.DIn);   // 0: unknown (dashboards imported without weights)
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sae.DSae);
        await using var db = _database.CreateContext();
        var modelId = await db.Models.Where(m => m.Name == sae.Model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw UnknownModel(sae.Model);
        var row = await db.Saes.SingleOrDefaultAsync(s => s.ModelId == modelId && s.Name == sae.Name, cancellationToken);
        if (row is null)
        {
            row = new SaeEntity { ModelId = modelId, Name = sae.Name, HookName = sae.HookName, Architecture = sae.Architecture, CfgJson = sae.CfgJson };
            db.Saes.Add(row);
        }
        else if (row.DSae != sae.DSae && await db.DashboardRuns.AnyAsync(r => r.SaeId == row.Id, cancellationToken))
        {
            throw new InvalidOperationException($"SAE '{sae.Name}' of model '{sae.Model}' has dashboards for d_sae {row.DSae}; it cannot become d_sae {sae.DSae}.");
        }
        row.Path = sae.Path;
        row.HookName = sae.HookName;
        row.Layer = sae.Layer;
        row.DIn = sae.DIn;
        row.DSae = sae.DSae;
        row.Architecture = sae.Architecture;
        row.CfgJson = sae.CfgJson;
        if (sae.SetName is not null)
        {
            row.SetName = SourceSetName(sae.SetName);
            if (!await db.SourceSets.AnyAsync(s => s.ModelId == modelId && s.Name == row.SetName, cancellationToken))
            {
                db.SourceSets.Add(new SourceSetEntity { ModelId = modelId, Name = row.SetName, Description = "" });
            }
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var db = _database.CreateContext();
        var row = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == name, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<ModelRecord>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var rows = await db.Models.AsNoTracking().OrderBy(m => m.Name).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToArray();
    }

    public async Task<SaeRecord?> GetSaeAsync(string model, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(name);
        await using var db = _database.CreateContext();
        var row = await (from s in db.Saes.AsNoTracking()
                         join m in db.Models on s.ModelId equals m.Id
                         where m.Name == model && s.Name == name
                         select s).SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : ToRecord(model, row);
    }

    /// <summary>The model's SAEs by name; an unknown model is an error, not an empty list.</summary>
    public async Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var db = _database.CreateContext();
        var modelId = await db.Models.Where(m => m.Name == model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw UnknownModel(model);
        var rows = await db.Saes.AsNoTracking().Where(s => s.ModelId == modelId).OrderBy(s => s.Name).ToListAsync(cancellationToken);
        return rows.Select(s => ToRecord(model, s)).ToArray();
    }

    private static ModelRecord ToRecord(ModelEntity m) => new(m.Name, m.Path, m.ConfigJson, m.Layers, m.DModel, m.Vocab, m.DisplayName);

    private static SaeRecord ToRecord(string model, SaeEntity s) => new(model, s.Name, s.Path, s.HookName, s.Layer, s.DIn, s.DSae, s.Architecture, s.CfgJson, s.SetName);
}
