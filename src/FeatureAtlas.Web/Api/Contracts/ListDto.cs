namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A list: <c>id</c> is the slug in its <c>url</c>. <c>neurons</c> (Neuronpedia's ListsOnNeurons rows, which its
/// client and frontend read) and <c>features</c> (ours) are included by <c>get</c> and the writes that change them,
/// and left out (null) by <c>list</c>. <c>userId</c>, <c>user</c>, <c>comments</c> (by <c>get</c>) and
/// <c>activations</c> (none: lists here keep no test activations) are Neuronpedia's.
/// </summary>
public sealed record ListDto(
    string Id, string Url, string Name, string? Description, string? DefaultTestText, bool IsPublic, string UserName,
    int FeatureCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, ListFeatureDto[]? Features, ListNeuronDto[]? Neurons,
    string UserId, UserNameDto User, object[] Activations, ListCommentDto[]? Comments = null);
