namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>search-all's answer: the text's tokens and the ranked features.</summary>
public sealed record SearchAllResponse(string[] Tokens, SearchResultDto[] Result, int[] SortIndexes);
