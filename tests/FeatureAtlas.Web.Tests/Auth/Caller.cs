namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>Who sends a write in the access matrix, relative to the owner of what it changes.</summary>
public enum Caller
{
    Anonymous,
    Owner,
    Other,
    Admin,
}
