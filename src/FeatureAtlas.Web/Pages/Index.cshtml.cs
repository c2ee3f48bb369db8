using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages;

/// <summary>Home: every model with its SAEs, and a search box.</summary>
public sealed class IndexModel(IModelStore modelStore) : PageModel
{
    public IReadOnlyList<(ModelRecord Model, IReadOnlyList<SaeRecord> Saes)> Models { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var models = await modelStore.ListModelsAsync(cancellationToken);
        var list = new List<(ModelRecord, IReadOnlyList<SaeRecord>)>();
        foreach (var m in models) list.Add((m, await modelStore.ListSaesAsync(m.Name, cancellationToken)));
        Models = list;
    }
}
