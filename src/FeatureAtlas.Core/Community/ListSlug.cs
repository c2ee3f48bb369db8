using System.Security.Cryptography;

namespace FeatureAtlas.Core.Community;

/// <summary>A list's URL id: 12 random characters from an alphabet without look-alikes (no l, o, I, O, 0, 1).</summary>
public static class ListSlug
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 12);
}
