namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Dashboards read from Neuronpedia batch files: the header, the example windows (each activation's tokens
/// become one window, BOS restored at position 0), and the dashboards with examples indexing those windows.
/// </summary>
public sealed record NeuronpediaImport(NeuronpediaExportInfo Info, IReadOnlyList<int[]> Windows, SaeDashboards Dashboards);
