namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A model as Neuronpedia's Model row: <c>layers</c> blocks of width <c>dimension</c>.</summary>
public sealed record ModelDto(string Id, string DisplayName, int Layers, int Dimension, int NeuronsPerLayer, bool InferenceEnabled, bool Instruct, string Visibility);
