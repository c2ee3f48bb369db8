using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages;

/// <summary>Home: every model with its SAEs, and a search box.</summary>
public sealed class IndexModel(AtlasStore store) : PageModel
{
    public IReadOnlyList<(ModelRecord Model, IReadOnlyList<SaeRecord> Saes)> Models { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var models = await store.ListModelsAsync(cancellationToken);
        var list = new List<(ModelRecord, IReadOnlyList<SaeRecord>)>();
        foreach (var m in models) list.Add((m, await store.ListSaesAsync(m.Name, cancellationToken)));
        Models = list;
    }
}
