using System.Globalization;
using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// <c>/{model}/circuits/ablation?prompt=&amp;target=&amp;distractor=&amp;position=&amp;f=sae:index[:value][@p,q]…</c>: set SAE
/// features to zero or a value at chosen positions through <c>POST /api/ablate</c> and compare the next-token
/// distribution before and after (wwwroot/js/circuits-ablation.js). Without script, the form's rows arrive as
/// fsae/findex/fvalue/fpositions side by side.
/// </summary>
public sealed class AblationPageModel(IModelCatalog catalog) : CircuitsPageModel(catalog)
{
    public string Prompt { get; private set; } = "";

    public string Target { get; private set; } = "";

    public string Distractor { get; private set; } = "";

    public int? Position { get; private set; }

    public IReadOnlyList<AblationRow> Rows { get; private set; } = [];

    protected override void ReadQuery()
    {
        Prompt = Query("prompt") ?? "";
        Target = Query("target") ?? "";
        Distractor = Query("distractor") ?? "";
        Position = ParseWhole(Query("position"));
        var rows = new List<AblationRow>();
        foreach (var spec in Request.Query["f"])
        {
            if (AblationRow.Parse(spec) is { } row) rows.Add(row);
        }
        var saes = Request.Query["fsae"];
        for (var i = 0; i < saes.Count; i++)
        {
            if (ParseWhole(Request.Query["findex"].ElementAtOrDefault(i)) is not { } index || string.IsNullOrEmpty(saes[i])) continue;
            rows.Add(new AblationRow(saes[i]!, index, Request.Query["fvalue"].ElementAtOrDefault(i) ?? "", Request.Query["fpositions"].ElementAtOrDefault(i) ?? ""));
        }
        Rows = rows.Take(Core.Circuits.FeatureAblation.MaxEdits).ToArray();
        AutoRun = Prompt.Length > 0 && Rows.Count > 0;
    }
}

/// <summary>One feature row of the ablation form: value and positions as typed (empty: zero, every position).</summary>
public sealed record AblationRow(string Sae, int Index, string Value, string Positions)
{
    /// <summary><c>sae:index[:value][@p,q]</c>; null when malformed.</summary>
    public static AblationRow? Parse(string? spec)
    {
        if (string.IsNullOrEmpty(spec)) return null;
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var positions = at >= 0 ? spec[(at + 1)..] : "";
        var parts = (at >= 0 ? spec[..at] : spec).Split(':');
        if (parts.Length is < 2 or > 3 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)) return null;
        return new AblationRow(parts[0], index, parts.Length == 3 ? parts[2] : "", positions);
    }
}
