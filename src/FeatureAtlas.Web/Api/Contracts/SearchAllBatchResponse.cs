namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>search-all's answer to a batch: one per text, in order.</summary>
public sealed record SearchAllBatchResponse(SearchAllResponse[] Results);
