using System.Security.Cryptography;
using System.Text;

namespace FeatureAtlas.Core.Community;

/// <summary>
/// API keys: <see cref="Prefix"/> and 43 random URL-safe characters, shown to their owner once; the store keeps only
/// the key's SHA-256 and its first characters (to tell keys apart in a list).
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "sk-atlas-";

    /// <summary>The longest key worth hashing: anything longer is not one of ours.</summary>
    public const int MaxLength = 200;

    public static string New() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What a list of keys shows of <paramref name="key"/>: the prefix and four more characters.</summary>
    public static string Shown(string key) => key[..(Prefix.Length + 4)];

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
