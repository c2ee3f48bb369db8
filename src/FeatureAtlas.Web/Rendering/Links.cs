using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Web.Rendering;

/// <summary>Site paths for features, lists and users, with each name escaped as a path segment.</summary>
public static class Links
{
    public static string Feature(FeatureKey key) => $"/{Uri.EscapeDataString(key.Model)}/{Uri.EscapeDataString(key.Sae)}/{key.Index}";

    public static string List(string slug) => "/list/" + Uri.EscapeDataString(slug);

    public static string User(string name) => "/user/" + Uri.EscapeDataString(name);

    /// <summary>A stored graph's explorer page.</summary>
    public static string Graph(string model, string slug) => $"/{Uri.EscapeDataString(model)}/graph/{Uri.EscapeDataString(slug)}";

    /// <summary>A model's graphs: the list, generate and upload.</summary>
    public static string Graphs(string model) => $"/{Uri.EscapeDataString(model)}/graph";
}
