using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Sae;

/// <summary>
/// EncodeFeature (one encoder column, or the full encode for TopK) against the column of the full encode, bit for
/// bit, on random inputs with an odd number of rows, for every SAE of the tiny checkpoint, folded or not.
/// </summary>
public class EncodeFeatureTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in new[] { "standard-resid-pre-1", "jumprelu-resid-post-2", "topk-mlp-out-0", "topk-rescaled-attn-out-1",
                     "gated-resid-mid-1", "layernorm-resid-pre-2", "constnorm-attn-out-0", "hookz-1", "mlp-post-0" })
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodeFeature_RandomInput_EqualsFullEncodeColumnExactly(string name, bool folded)
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        if (folded) sae.FoldDecoderNorms();
        const int rows = 13;
        var x = TestData.Uniform(rows * sae.DIn, seed: 11, scale: 3f);
        var full = sae.Encode(x, rows);
        var column = new float[rows];
        var fired = 0;

        for (var feature = 0; feature < sae.DSae; feature += 7)
        {
            sae.EncodeFeature(x, rows, feature, column);

            var expected = Enumerable.Range(0, rows).Select(r => full[r * sae.DSae + feature]).ToArray();
            Assert.Equal(expected, column);
            fired += expected.Count(v => v > 0f);
        }
        Assert.True(fired > 0, "no feature fired; the comparison would be vacuous");
    }

    [Fact]
    public void EncodeFeature_FeatureOutOfRange_Throws()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));

        Assert.Throws<ArgumentOutOfRangeException>(() => sae.EncodeFeature(new float[sae.DIn], 1, sae.DSae, new float[1]));
    }
}
