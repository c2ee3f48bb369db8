namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// What the owner made for one cell of the access matrix: a list holding feature 1, a comment and an explanation;
/// and an explanation by someone else for votes (nobody may vote on their own).
/// </summary>
public sealed record WriteTarget(string Slug, int CommentId, int ExplanationId, int VotedExplanationId);
