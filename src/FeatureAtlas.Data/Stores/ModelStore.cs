using System.Collections.Concurrent;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Models, their SAEs and the Neuronpedia source sets SAEs join.</summary>
public sealed class ModelStore(AtlasDatabase database) : Store(database), IModelStore
{
    /// <summary>
    /// How long <see cref="GetModelSourcesAsync"/> answers from memory: every feature API call names its SAE by source id,
    /// and reading the model's sources was a quarter of such a call's CPU. A write through any store of the same database
    /// in this process drops the answers at once; another process's write (an SAE added by the CLI or a worker) shows
    /// within this time.
    /// </summary>
    public static readonly TimeSpan SourcesLifetime = TimeSpan.FromSeconds(1);

    // By connection string, so that all stores of one database in this process share the copies and their invalidation.
    // Looked up per call, never held: emptying the table when it grows (tests open many databases) is then safe.
    private static readonly ConcurrentDictionary<string, KeptSources> Kept = new(StringComparer.Ordinal);

    public async Task UpsertModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(model.Name);
        ArgumentNullException.ThrowIfNull(model.ConfigJson);
        await using var db = CreateContext();
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
        Changed();
    }

    public async Task UpsertSaeAsync(SaeRecord sae, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.Model);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(sae.HookName);
        ArgumentOutOfRangeException.ThrowIfNegative(sae.DIn);   // 0: unknown (dashboards imported without weights)
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sae.DSae);
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, sae.Model, cancellationToken);
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
            row.SetName = SourceSetName.Check(sae.SetName);
            if (!await db.SourceSets.AnyAsync(s => s.ModelId == modelId && s.Name == row.SetName, cancellationToken))
            {
                db.SourceSets.Add(new SourceSetEntity { ModelId = modelId, Name = row.SetName, Description = "" });
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        Changed();
    }

    public async Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var db = CreateContext();
        var row = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == name, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<ModelRecord>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await db.Models.AsNoTracking().OrderBy(m => m.Name).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToArray();
    }

    public async Task<SaeRecord?> GetSaeAsync(string model, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(name);
        await using var db = CreateContext();
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
        await using var db = CreateContext();
        return await SaesAsync(db, model, await ModelIdAsync(db, model, cancellationToken), cancellationToken);
    }

    private static async Task<SaeRecord[]> SaesAsync(AtlasDbContext db, string model, int modelId, CancellationToken cancellationToken)
    {
        var rows = await db.Saes.AsNoTracking().Where(s => s.ModelId == modelId).OrderBy(s => s.Name).ToListAsync(cancellationToken);
        return rows.Select(s => ToRecord(model, s)).ToArray();
    }

    internal static ModelRecord ToRecord(ModelEntity m) => new(m.Name, m.Path, m.ConfigJson, m.Layers, m.DModel, m.Vocab, m.DisplayName);

    internal static SaeRecord ToRecord(string model, SaeEntity s) => new(model, s.Name, s.Path, s.HookName, s.Layer, s.DIn, s.DSae, s.Architecture, s.CfgJson, s.SetName);

    /// <summary>Names or describes a source set of the model, creating it if needed; SAEs join it through <see cref="SaeRecord.SetName"/>.</summary>
    public async Task UpsertSourceSetAsync(string model, string name, string description, CancellationToken cancellationToken)
    {
        name = SourceSetName.Check(name);
        SourceSetName.CheckDescription(description);
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, model, cancellationToken);
        var row = await db.SourceSets.SingleOrDefaultAsync(s => s.ModelId == modelId && s.Name == name, cancellationToken);
        if (row is null) db.SourceSets.Add(new SourceSetEntity { ModelId = modelId, Name = name, Description = description });
        else row.Description = description;
        await db.SaveChangesAsync(cancellationToken);
        Changed();
    }

    public async Task<ModelSources?> GetModelSourcesAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var kept = KeptFor(Database);
        var now = Environment.TickCount64;
        if (kept.Models.TryGetValue(model, out var copy) && now - copy.ReadAt < (long)SourcesLifetime.TotalMilliseconds) return copy.Sources;
        // A write that lands during the read may or may not be in it: its answer is kept only if none did.
        var writes = Interlocked.Read(ref kept.Writes);
        var read = await ReadModelSourcesAsync(model, cancellationToken);
        if (read is not null && Interlocked.Read(ref kept.Writes) == writes) kept.Models[model] = (read, now);
        return read;
    }

    private async Task<ModelSources?> ReadModelSourcesAsync(string model, CancellationToken cancellationToken)
    {
        // One context, on SQLite a kept connection with its statements prepared (four contexts did this before, 4 ms of
        // CPU per call under load).
        await using var db = CreateContext();
        using var lease = Database.PreparedReads?.Lend(db);
        var row = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == model, cancellationToken);
        if (row is null) return null;
        var saes = await SaesAsync(db, model, row.Id, cancellationToken);
        var sets = await db.SourceSets.AsNoTracking().Where(s => s.ModelId == row.Id).ToListAsync(cancellationToken);
        return new ModelSources(ToRecord(row), saes, sets.ToDictionary(s => s.Name, s => s.Description, StringComparer.Ordinal));
    }

    public async Task<SourceSetRecord> CreateSourceSetAsync(SourceSetRecord sourceSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceSet);
        var name = SourceSetName.Check(sourceSet.Name);
        SourceSetName.CheckDescription(sourceSet.Description);
        if (sourceSet.Url is { Length: > SourceSetEntity.MaxUrl }) throw new ArgumentException($"A source set url is at most {SourceSetEntity.MaxUrl} characters; found {sourceSet.Url.Length}.");
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, sourceSet.Model, cancellationToken);
        if (await db.SourceSets.AnyAsync(s => s.ModelId == modelId && s.Name == name, cancellationToken))
        {
            throw new ArgumentException($"Model '{sourceSet.Model}' already has a source set named '{name}'.");
        }
        db.SourceSets.Add(new SourceSetEntity { ModelId = modelId, Name = name, Description = sourceSet.Description, Url = sourceSet.Url, CreatorId = sourceSet.CreatorId });
        await db.SaveChangesAsync(cancellationToken);
        Changed();
        return sourceSet with { Name = name };
    }

    public async Task<SourceSetRecord?> GetSourceSetAsync(string model, string name, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, model, cancellationToken);
        var row = await db.SourceSets.AsNoTracking().SingleOrDefaultAsync(s => s.ModelId == modelId && s.Name == name, cancellationToken);
        if (row is null) return null;
        var creator = row.CreatorId is { } id ? await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.UserName).SingleOrDefaultAsync(cancellationToken) : null;
        return new SourceSetRecord(model, row.Name, row.Description, row.Url, row.CreatorId, creator);
    }

    /// <summary>After a write: the kept source lists of this database may be stale.</summary>
    private void Changed()
    {
        var kept = KeptFor(Database);
        Interlocked.Increment(ref kept.Writes);
        kept.Models.Clear();
    }

    private static KeptSources KeptFor(AtlasDatabase database)
    {
        if (Kept.Count > 64 && !Kept.ContainsKey(database.ConnectionString)) Kept.Clear();
        return Kept.GetOrAdd(database.ConnectionString, static _ => new KeptSources());
    }

    /// <summary>One database's source lists read lately, by model, and a count of writes that drop them.</summary>
    private sealed class KeptSources
    {
        public readonly ConcurrentDictionary<string, (ModelSources Sources, long ReadAt)> Models = new(StringComparer.Ordinal);
        public long Writes;
    }
}
