using System.Globalization;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Steering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Steer;

/// <summary>
/// The steering page: <c>/steer?model=&amp;sae=&amp;index=&amp;strength=</c> (a feature page's "Steer" button; strength
/// defaults to the feature's max activation), <c>?f=sae:index:strength</c> (repeatable) with <c>prompt</c>, or a saved
/// run at <c>/steer/{id}</c>. The settings are rendered here; wwwroot/js/steer.js runs them through
/// <c>POST /api/steer</c> with streaming and draws the Normal and Steered columns.
/// </summary>
[Embeddable]
public sealed class SteerPageModel(IModelStore modelStore, IExplanationStore explanationStore, IDashboardStore dashboardStore, ISteerStore runs, ILogger<SteerPageModel> logger) : PageModel
{
    /// <summary>Neuronpedia's start for a feature without a dashboard.</summary>
    public const float DefaultStrength = 40;

    public static readonly string[] PresetPrompts = ["The most iconic structure on Earth is", "Once upon a time, in a small village,", "My favourite food is"];

    public IReadOnlyList<ModelRecord> Models { get; private set; } = [];

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public SteerRequest Settings { get; private set; } = new();

    /// <summary>The features being steered with, with their best explanation and max activation where known.</summary>
    public IReadOnlyList<SteerFeatureView> Features { get; private set; } = [];

    /// <summary>A saved run's answer (<c>/steer/{id}</c>).</summary>
    public SteerResponse? Result { get; private set; }

    public string? RunId { get; private set; }

    /// <summary>Ready-made starts on this model: a prompt with one of its strongest features.</summary>
    public IReadOnlyList<(string Label, string Url)> Presets { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? id, string? model, string? prompt, string? sae, int? index, float? strength,
        [FromQuery(Name = "f")] string[]? f, [FromQuery(Name = "fsae")] string[]? fsae, [FromQuery(Name = "findex")] int[]? findex,
        [FromQuery(Name = "fstrength")] float[]? fstrength, CancellationToken cancellationToken)
    {
        Models = await modelStore.ListModelsAsync(cancellationToken);
        if (id is not null)
        {
            var run = await runs.GetSteerRunAsync(id, cancellationToken);
            if (run is null) return NotFound();
            RunId = run.Id;
            Settings = SteerService.Settings(run);
            Result = SteerService.Result(run) with { ShareUrl = $"{Request.Scheme}://{Request.Host}/steer/{run.Id}" };
        }
        else
        {
            var modelName = model ?? (Models.Count > 0 ? Models[0].Name : null);
            var features = new List<SteerFeatureRequest>();
            if (sae is not null && index is { } i) features.Add(new SteerFeatureRequest { ModelId = modelName, Layer = sae, Index = i, Strength = strength });
            foreach (var spec in f ?? [])
            {
                var parts = spec.Split(':');
                if (parts.Length is < 2 or > 3 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var fi)) continue;
                float? s = parts.Length == 3 && float.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && float.IsFinite(parsed) ? parsed : null;
                features.Add(new SteerFeatureRequest { ModelId = modelName, Layer = parts[0], Index = fi, Strength = s });
            }
            // The form's rows (fsae, findex, fstrength side by side) when it is submitted without script.
            for (var r = 0; r < Math.Min(fsae?.Length ?? 0, findex?.Length ?? 0); r++)
            {
                float? s = fstrength is not null && r < fstrength.Length && float.IsFinite(fstrength[r]) ? fstrength[r] : null;
                features.Add(new SteerFeatureRequest { ModelId = modelName, Layer = fsae![r], Index = findex![r], Strength = s });
            }
            Settings = new SteerRequest
            {
                ModelId = modelName, Prompt = prompt ?? PresetPrompts[0], Features = features.Take(SteerLimits.MaxFeatures).ToArray(),
                SteerMethod = Request.Query["steer_method"].FirstOrDefault(), NTokens = Int(Request.Query["n_tokens"]),
                Temperature = Number(Request.Query["temperature"]), Seed = Number(Request.Query["seed"]),
                StrengthMultiplier = Number(Request.Query["strength_multiplier"]), SteerPositions = Request.Query["steer_positions"].FirstOrDefault(),
            };
        }
        if (Settings.ModelId is { } m && Models.All(x => x.Name != m)) return NotFound();
        if (Settings.ModelId is null) return Page();

        Saes = await modelStore.ListSaesAsync(Settings.ModelId, cancellationToken);
        Features = await DescribeAsync(Settings.ModelId, Settings.Features ?? [], cancellationToken);
        Presets = await PresetsAsync(Settings.ModelId, cancellationToken);
        return Page();
    }

    private static int? Int(string? value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static double? Number(string? value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    private async Task<IReadOnlyList<SteerFeatureView>> DescribeAsync(string model, IReadOnlyList<SteerFeatureRequest> features, CancellationToken cancellationToken)
    {
        var keys = features.Where(x => x.Layer is not null && x.Index is not null).Select(x => new FeatureKey(model, x.Layer!, x.Index!.Value)).ToArray();
        var explanations = await explanationStore.BestExplanationsAsync(keys, cancellationToken);
        var views = new List<SteerFeatureView>();
        foreach (var x in features)
        {
            if (x.Layer is null || x.Index is null || Saes.All(s => s.Name != x.Layer)) continue;
            var key = new FeatureKey(model, x.Layer, x.Index.Value);
            var dashboard = await dashboardStore.GetFeatureAsync(model, x.Layer, x.Index.Value, cancellationToken);
            var max = dashboard?.MaxActivation is > 0 and var value ? value : (float?)null;
            views.Add(new SteerFeatureView(x.Layer, x.Index.Value, (float)(x.Strength ?? max ?? DefaultStrength), max, explanations.GetValueOrDefault(key)));
        }
        return views;
    }

    /// <summary>
    /// The model folder's own presets (<see cref="SteerPreset.FileName"/>, e.g. the demo's) when it has any; otherwise,
    /// for each SAE with dashboards, its strongest of the first 64 features, with each preset prompt in turn.
    /// </summary>
    private async Task<IReadOnlyList<(string, string)>> PresetsAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            var own = SteerPreset.Read(Models.First(m => m.Name == model).Path).Where(p => Saes.Any(s => s.Name == p.Sae)).ToList();
            if (own.Count > 0)
            {
                return own.Select(p => (p.Label, SteerUrl(model, p.Prompt, p.Sae, p.Index, p.Strength.ToString("0.##", CultureInfo.InvariantCulture)))).ToList();
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("{Problem} The steering page offers its generic presets.", e.Message);
        }
        var presets = new List<(string, string)>();
        foreach (var sae in Saes.Take(3))
        {
            var features = await dashboardStore.GetFeaturesAsync(model, sae.Name, 0, 64, cancellationToken);
            var best = features.Where(x => x.MaxActivation > 0).MaxBy(x => x.MaxActivation);
            if (best is null) continue;
            var prompt = PresetPrompts[presets.Count % PresetPrompts.Length];
            var strength = best.MaxActivation.ToString("0.##", CultureInfo.InvariantCulture);
            presets.Add(($"{sae.Name} #{best.Index} on “{prompt}”", SteerUrl(model, prompt, sae.Name, best.Index, strength)));
        }
        return presets;
    }

    private static string SteerUrl(string model, string prompt, string sae, int index, string strength) =>
        $"/steer?model={Uri.EscapeDataString(model)}&prompt={Uri.EscapeDataString(prompt)}&f={Uri.EscapeDataString($"{sae}:{index}:{strength}")}";
}

/// <summary>A feature on the steering page: strength to start at, max activation (the slider's scale) and its explanation.</summary>
public sealed record SteerFeatureView(string Sae, int Index, float Strength, float? MaxActivation, string? Explanation);
