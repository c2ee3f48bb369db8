using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Tests.Hooks;

/// <summary>Hook names are TransformerLens's strings, read back in one place (SAE configs, source sets, training).</summary>
public class HookNamesTests
{
    [Theory]
    [InlineData("blocks.0.hook_resid_pre", 0, "hook_resid_pre")]
    [InlineData("blocks.11.attn.hook_z", 11, "attn.hook_z")]
    [InlineData("blocks.7.mlp.hook_post", 7, "mlp.hook_post")]
    [InlineData("hook_embed", -1, "hook_embed")]
    [InlineData("ln_final.hook_normalized", -1, "ln_final.hook_normalized")]
    [InlineData("blocks.x.hook_resid_pre", -1, "blocks.x.hook_resid_pre")]
    [InlineData("blocks.-1.hook_resid_pre", -1, "blocks.-1.hook_resid_pre")]
    public void LayerOfAndKindOf_HookName_SplitLikeTheNamesAreBuilt(string name, int layer, string kind)
    {
        Assert.Equal(layer, HookNames.LayerOf(name));
        Assert.Equal(kind, HookNames.KindOf(name));
        if (layer >= 0) Assert.Equal(name, HookNames.Block(layer, kind));
    }

    [Fact]
    public void LayerOfAndKindOf_EveryHookOfAModel_RoundTripThroughBlock()
    {
        foreach (var name in HookNames.All(12))
        {
            var layer = HookNames.LayerOf(name);
            Assert.Equal(name, layer < 0 ? HookNames.KindOf(name) : HookNames.Block(layer, HookNames.KindOf(name)));
        }
    }

    [Theory]
    [InlineData("blocks.3.attn.hook_z", true)]
    [InlineData("blocks.3.hook_resid_pre", false)]
    [InlineData("blocks.3.attn.hook_q", false)]
    [InlineData("hook_embed", false)]
    public void IsZ_HookName_OnlyAttentionZ(string name, bool expected) => Assert.Equal(expected, HookNames.IsZ(name));

    [Theory]
    [InlineData("blocks.8.hook_resid_pre", 8, false)]
    [InlineData("blocks.5.attn.hook_z", 5, true)]
    [InlineData("hook_embed", -1, false)]
    public void SaeConfig_HookName_LayerAndReshapeFromHookNames(string hook, int layer, bool reshapesZ)
    {
        var json = new JsonObject { ["d_in"] = 4, ["d_sae"] = 8, ["hook_name"] = hook, ["architecture"] = "standard" };
        var cfg = SaeConfig.Parse(json, "cfg.json");
        Assert.Equal(layer, cfg.Layer);
        Assert.Equal(reshapesZ, cfg.ReshapeHookZ);
    }
}
