namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>search-topk-by-token's answer to a batch: one per text, in order.</summary>
public sealed record TopkByTokenBatchResponse(TopkByTokenResponse[] Results);
