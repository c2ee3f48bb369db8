using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Web.Api;

/// <summary>A circuit request's model and prompt as read by <see cref="CircuitsInput.ReadAsync"/>.</summary>
public sealed record CircuitInput(string ModelId, LoadedModel Model, int[] Tokens, int? Target, int? Distractor, int? Position);
