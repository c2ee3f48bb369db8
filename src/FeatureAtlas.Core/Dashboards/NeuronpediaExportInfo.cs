namespace FeatureAtlas.Core.Dashboards;

/// <summary>The batch-file header fields of a Neuronpedia export: model id, source (layer) id, set, dataset, prompt counts.</summary>
public sealed record NeuronpediaExportInfo(string ModelId, string Layer, string SaeSet, string SaeIdSuffix, string Dataset, int PromptsTotal, int TokensInPrompt);
