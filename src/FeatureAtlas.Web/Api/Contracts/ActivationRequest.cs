using System.Text.Json;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// POST /api/activation/new: a feature, as <c>feature</c> (Neuronpedia's client) or <c>neuron</c> (its frontend), and
/// a text (or up to 4 texts) to run it on.
/// </summary>
public sealed record ActivationRequest(FeatureRef? Feature, JsonElement CustomText, bool IgnoreBos = false, NeuronRef? Neuron = null);
