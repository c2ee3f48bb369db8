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

/// <summary><c>vector/get</c> and <c>vector/delete</c>: a saved vector as Neuronpedia names it (<c>index</c> a string).</summary>
public sealed record VectorKeyRequest(string? ModelId, string? Source, string? Index);

/// <summary>
/// Neuronpedia's stored vector row (its neuron table): <c>modelId, layer</c> (the vector's source), <c>index</c> (its id),
/// <c>vectorLabel, hookName, vector, vectorDefaultSteerStrength, createdAt</c>.
/// </summary>
public sealed record NpVectorRowDto(string ModelId, string Layer, string Index, string VectorLabel, string HookName, float[] Vector, float VectorDefaultSteerStrength, DateTimeOffset CreatedAt)
{
    public static NpVectorRowDto Of(Core.Storage.SteerVectorRecord v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.Model, Steering.VectorSources.Of(v.Hook), v.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Label, v.Hook, v.Vector, v.DefaultStrength, v.CreatedAt);
    }
}

/// <summary><c>vector/get</c>'s answer: <c>{vector}</c>.</summary>
public sealed record NpVectorRowResponse(NpVectorRowDto Vector);

/// <summary><c>vector/list-owned</c>'s answer: <c>{vectors}</c>.</summary>
public sealed record NpVectorListResponse(IReadOnlyList<NpVectorRowDto> Vectors);
