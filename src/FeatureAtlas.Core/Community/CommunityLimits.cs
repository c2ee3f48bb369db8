namespace FeatureAtlas.Core.Community;

/// <summary>
/// How much text people may write into the atlas, in characters after trimming. The stores enforce these; the web
/// shows them (form <c>maxlength</c>s, the API's summaries), so each number lives here once.
/// </summary>
public static class CommunityLimits
{
    public const int MinComment = 1;
    public const int MaxComment = 4000;

    /// <summary>Neuronpedia refuses list comments shorter than 2 characters (after trimming).</summary>
    public const int MinListComment = 2;

    public const int MaxExplanation = 1000;

    public const int MaxListName = 200;
    public const int MaxListDescription = 4000;
    public const int MaxListNote = 1000;
    public const int MaxListTestText = 4000;

    /// <summary>Features one call may add to a list.</summary>
    public const int MaxListAdd = 100;

    public const int MaxApiKeyName = 100;
    public const int MaxApiKeysPerUser = 20;
}
