namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A saved steering vector, in Neuronpedia's answer to <c>vector/new</c> (<c>message</c>, <c>url</c> and the vector as
/// <c>vector: {modelId, source, index, label, createdAt, defaultSteerStrength, hookName, values}</c>), with ours beside
/// it. Steer with it as <c>vectors: [{vectorId, strength}]</c>.
/// </summary>
public sealed record VectorDto(string Message, string Url, NpVectorDto Vector, int Id, string ModelId, string Hook, string Label, float DefaultStrength, int DModel, string Creator);

/// <summary>
/// Neuronpedia's vector row: <c>source</c> is <c>{layer}-neuronpedia-{resid-pre|resid-post}</c> (the source Neuronpedia
/// files custom vectors under) and <c>index</c> the vector's id as a string.
/// </summary>
public sealed record NpVectorDto(string ModelId, string Source, string Index, string Label, DateTimeOffset CreatedAt, float DefaultSteerStrength, string HookName, float[] Values);
