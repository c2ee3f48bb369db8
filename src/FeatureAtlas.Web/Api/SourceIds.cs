using System.Runtime.CompilerServices;
using System.Text.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Neuronpedia's names for a model's SAEs: each has a source id <c>{layer}-{set}</c> (<c>8-res-jb</c>; <c>e-…</c> for
/// the embeddings), taken from <c>neuronpedia_id</c> in its cfg.json when present, else built from its hook layer
/// and its set: the one chosen at <c>atlas dashboards build --set</c>, else one named after its hook kind (<c>res</c>,
/// <c>res-mid</c>, <c>res-post</c>, <c>mlp</c>, <c>att</c>). A set's description is the stored one, else a list of its SAEs. Two SAEs
/// that would share an id get Neuronpedia's <c>__{extra}</c> suffix, here their folder name. The folder name stays
/// valid wherever a source id is: <see cref="ResolveAsync"/> takes either.
/// </summary>
public sealed class SourceIds(IModelStore modelStore)
{
    private readonly ConditionalWeakTable<ModelSources, SourceInfo[]> _lists = new();

    /// <summary>The model's SAEs with their source ids and sets, in folder-name order; an unknown model is a <see cref="KeyNotFoundException"/>.</summary>
    public async Task<IReadOnlyList<SourceInfo>> ListAsync(string model, CancellationToken cancellationToken) =>
        await TryListAsync(model, cancellationToken) ?? throw new KeyNotFoundException($"Model '{model}' is not in the atlas.");

    /// <summary>The same, or null when the model is not in the atlas.</summary>
    public async Task<IReadOnlyList<SourceInfo>?> TryListAsync(string model, CancellationToken cancellationToken)
    {
        if (await modelStore.GetModelSourcesAsync(model, cancellationToken) is not { } found) return null;
        // The store hands out one instance while its copy lasts: the list (and its checks for files on disk) is made once for it.
        return _lists.GetValue(found, static f => List(f));
    }

    private static SourceInfo[] List(ModelSources found)
    {
        var (record, saes, described) = found;
        var model = record.Name;
        var cfgs = saes.Select(s => Cfg(s.CfgJson)).ToArray();
        var ids = saes.Select((s, i) => Of(s, cfgs[i])).ToArray();
        var sets = ids.Select(SetOf).ToArray();
        var shared = ids.CountBy(id => id, StringComparer.Ordinal).Where(c => c.Value > 1).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var infos = sets.Distinct(StringComparer.Ordinal).ToDictionary(set => set, set => new SourceSetInfo(model, set,
            described.GetValueOrDefault(set) is { Length: > 0 } d ? d : Describe([.. saes.Where((_, j) => sets[j] == set)])), StringComparer.Ordinal);
        var sources = new List<SourceInfo>(saes.Count);
        for (var i = 0; i < saes.Count; i++)
        {
            sources.Add(new SourceInfo(shared.Contains(ids[i]) ? $"{ids[i]}__{saes[i].Name}" : ids[i], saes[i], infos[sets[i]], CanRun(record, saes[i]), cfgs[i]));
        }
        return [.. sources];
    }

    /// <summary>The source ids of the SAEs of <paramref name="models"/> (a model not in the atlas adds none), for mapping many rows at once.</summary>
    public async Task<SourceIdMap> MapAsync(IEnumerable<string> models, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<(string Model, string Sae), string>();
        foreach (var model in models.Distinct(StringComparer.Ordinal))
        {
            foreach (var source in await TryListAsync(model, cancellationToken) ?? []) ids[(model, source.Sae.Name)] = source.Id;
        }
        return new SourceIdMap(ids);
    }

    /// <summary>The source id of the SAE stored as <paramref name="sae"/>; the name itself when the model has no such SAE.</summary>
    public async Task<string> IdOfAsync(string model, string sae, CancellationToken cancellationToken) =>
        (await MapAsync([model], cancellationToken)).Of(model, sae);

    /// <summary>The stored (folder) name of the SAE that <paramref name="idOrName"/> names, by folder name or source id; null when none does.</summary>
    public async Task<string?> ResolveAsync(string model, string idOrName, CancellationToken cancellationToken)
    {
        if (await TryListAsync(model, cancellationToken) is not { } sources) return null;
        return (sources.FirstOrDefault(s => s.Sae.Name == idOrName) ?? sources.FirstOrDefault(s => s.Id == idOrName))?.Sae.Name;
    }

    /// <summary>The feature with its SAE by stored (folder) name, when <paramref name="key"/> names it by source id; unchanged when nothing matches (the store then answers its own 404).</summary>
    public async Task<FeatureKey> KeyAsync(FeatureKey key, CancellationToken cancellationToken) =>
        await ResolveAsync(key.Model, key.Sae, cancellationToken) is { } name && name != key.Sae ? key with { Sae = name } : key;

    /// <summary>The SAE stored as <paramref name="sae"/> (folder name or source id) with its source id and set; <see cref="KeyNotFoundException"/> if none.</summary>
    public async Task<SourceInfo> GetAsync(string model, string sae, CancellationToken cancellationToken)
    {
        var sources = await ListAsync(model, cancellationToken);
        return sources.FirstOrDefault(s => s.Sae.Name == sae) ?? sources.FirstOrDefault(s => s.Id == sae)
            ?? throw new KeyNotFoundException($"Model '{model}' has no SAE '{sae}' (by folder name or source id).");
    }

    /// <summary>The model's SAEs in source set <paramref name="set"/>; a set the model does not have is a <see cref="KeyNotFoundException"/> naming it.</summary>
    public async Task<IReadOnlyList<SourceInfo>> InSetAsync(string model, string set, CancellationToken cancellationToken)
    {
        var sources = await ListAsync(model, cancellationToken);
        var inSet = sources.Where(s => s.Set.Name == set).ToArray();
        if (inSet.Length == 0)
        {
            var sets = sources.Select(s => s.Set.Name).Distinct().Order(StringComparer.Ordinal);
            throw new KeyNotFoundException($"Model '{model}' has no source set '{set}'; its sets are: {string.Join(", ", sets)}.");
        }
        return inSet;
    }

    /// <summary>Whether this server holds the weights of both the model and the SAE, so it can run the SAE live.</summary>
    public static bool CanRun(ModelRecord? model, SaeRecord? sae) =>
        model?.Path is { } m && Directory.Exists(m) && sae?.Path is { } s && Directory.Exists(s);

    /// <summary>The SAE's source id before any <c>__</c> suffix: cfg.json's <c>neuronpedia_id</c> (its part after the model's <c>/</c>), else <c>{layer}-{set}</c>, the set chosen or named after the hook kind.</summary>
    public static string Of(SaeRecord sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return Of(sae, Cfg(sae.CfgJson));
    }

    /// <summary>The same, with the SAE's cfg.json already parsed (<paramref name="cfg"/>; null when it is not JSON).</summary>
    private static string Of(SaeRecord sae, JsonElement? cfg)
    {
        if (NeuronpediaId(cfg) is { } id) return id;
        return $"{(sae.Layer < 0 ? "e" : sae.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture))}-{sae.SetName ?? DefaultSet(sae.HookName)}";
    }

    /// <summary>The set of a source id: the text after its first <c>-</c> and before any <c>__</c> (Neuronpedia's rule).</summary>
    public static string SetOf(string sourceId)
    {
        var dash = sourceId.IndexOf('-', StringComparison.Ordinal);
        var set = dash < 0 ? sourceId : sourceId[(dash + 1)..];
        var extra = set.IndexOf("__", StringComparison.Ordinal);
        return extra < 0 ? set : set[..extra];
    }

    /// <summary>A set named after the hook kind: <c>blocks.8.hook_resid_pre</c> is <c>res</c>, <c>blocks.8.hook_mlp_out</c> is <c>mlp</c>.</summary>
    public static string DefaultSet(string hookName) => HookNames.KindOf(hookName) switch
    {
        "hook_resid_pre" => "res",
        "hook_resid_mid" => "res-mid",
        "hook_resid_post" => "res-post",
        "hook_mlp_out" => "mlp",
        "hook_attn_out" => "att",
        var kind when kind.StartsWith("attn.", StringComparison.Ordinal) => "att",
        _ => "sae",
    };

    private static JsonElement? Cfg(string cfgJson)
    {
        try
        {
            using var cfg = JsonDocument.Parse(cfgJson);
            return cfg.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? NeuronpediaId(JsonElement? cfg)
    {
        if (cfg is not { ValueKind: JsonValueKind.Object } root) return null;
        // SAELens keeps it at the top level (older configs) or under "metadata" (newer ones).
        var id = root.TryGetProperty("neuronpedia_id", out var top) ? top
            : root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("neuronpedia_id", out var inner) ? inner
            : default;
        if (id.ValueKind != JsonValueKind.String) return null;
        var text = id.GetString()!;
        var part = text[(text.LastIndexOf('/') + 1)..];
        // Only a well-formed "{layer}-{set}" (layer a number or e) serves as an id.
        var dash = part.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && dash < part.Length - 1 && (part[..dash] == "e" || part[..dash].All(char.IsAsciiDigit)) && !part.Any(char.IsWhiteSpace) ? part : null;
    }

    private static string Describe(IReadOnlyList<SaeRecord> saes)
    {
        var hooks = saes.Select(s => s.HookName).Distinct().Count();
        return $"{saes.Count} SAE{(saes.Count == 1 ? "" : "s")} on {hooks} hook point{(hooks == 1 ? "" : "s")} ({string.Join(", ", saes.Select(s => s.Name))}).";
    }
}
