using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Tests.Community;

public class ApiKeysTests
{
    [Fact]
    public void Hash_Abc_IsTheSha256TestVector() =>
        // FIPS 180-2, appendix B.1.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.Hash("abc"));

    [Fact]
    public void New_TwoKeys_PrefixedUrlSafeAndDifferent()
    {
        var (a, b) = (ApiKeys.New(), ApiKeys.New());
        Assert.NotEqual(a, b);
        Assert.StartsWith(ApiKeys.Prefix, a, StringComparison.Ordinal);
        Assert.Equal(ApiKeys.Prefix.Length + 43, a.Length);   // 32 random bytes in unpadded base64
        Assert.All(a[ApiKeys.Prefix.Length..], c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
        Assert.Equal(a[..(ApiKeys.Prefix.Length + 4)], ApiKeys.Shown(a));
    }
}
