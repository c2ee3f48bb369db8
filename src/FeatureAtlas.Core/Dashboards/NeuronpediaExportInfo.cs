namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The batch-file header fields of a Neuronpedia export: model id, source (layer) id, set, dataset, prompt counts,
/// and the TransformerLens hook (written as the extension <c>hook_name</c>; empty when unknown).
/// </summary>
public sealed record NeuronpediaExportInfo(string ModelId, string Layer, string SaeSet, string SaeIdSuffix, string Dataset, int PromptsTotal, int TokensInPrompt, string HookName = "");
