using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Tests.Sae;

/// <summary>
/// cfg.json as SAELens writes it: the 6.x layout, the flat pre-6.0 layout (translated as SAELens's
/// handle_pre_6_0_config does), and errors that name the field a user must fix.
/// </summary>
public class SaeConfigTests
{
    private const string Source = "test-sae/cfg.json";

    [Fact]
    public void Parse_Pre6FlatTopKConfig_TranslatesLikeSaeLens()
    {
        var cfg = Json("""
            {
              "model_name": "gpt2-small", "hook_point": "blocks.3.hook_resid_pre", "hook_point_layer": 3,
              "hook_point_head_index": null, "d_in": 768, "d_sae": 1536, "activation_fn": "topk",
              "activation_fn_kwargs": {"k": 3}, "normalize_activations": true, "context_size": 128
            }
            """);

        var config = SaeConfig.Parse(cfg, Source);

        Assert.Equal(SaeArchitecture.TopK, config.Architecture);
        Assert.Equal(3, config.K);
        Assert.Equal("blocks.3.hook_resid_pre", config.HookName);
        Assert.Equal(3, config.Layer);
        Assert.Equal(ActivationNormalization.ExpectedAverageOnlyIn, config.NormalizeActivations);
        Assert.True(config.ApplyBDecToInput);   // SAELens's pre-6.0 defaults
        Assert.True(config.PrependBos);
        Assert.Null(config.HookHeadIndex);
        Assert.Equal("gpt2-small", config.ModelName);
        Assert.Equal(128, config.ContextSize);
    }

    [Fact]
    public void Parse_Gpt2SmallResJbConfig_ReadsDtypeAndModelKwargs()
    {
        // The shape of jbloom/GPT2-Small-SAEs-Reformatted's blocks.8.hook_resid_pre/cfg.json, with the
        // model_from_pretrained_kwargs that SAELens's pretrained_saes.yaml adds for gpt2-small-res-jb.
        var cfg = Json("""
            {
              "model_name": "gpt2-small", "hook_point": "blocks.8.hook_resid_pre", "hook_point_layer": 8,
              "hook_point_head_index": null, "dataset_path": "Skylion007/openwebtext", "is_dataset_tokenized": false,
              "context_size": 128, "d_in": 768, "device": "mps", "seed": 42, "dtype": "torch.float32",
              "b_dec_init_method": "geometric_median", "expansion_factor": 32, "from_pretrained_path": null,
              "l1_coefficient": 8e-05, "lr": 0.0004, "lr_scheduler_name": null, "d_sae": 24576,
              "model_from_pretrained_kwargs": {"center_writing_weights": true}
            }
            """);

        var config = SaeConfig.Parse(cfg, Source);

        Assert.Equal("float32", config.Dtype);
        Assert.Equal(SaeArchitecture.Standard, config.Architecture);
        Assert.Equal(768, config.DIn);
        Assert.Equal(24576, config.DSae);
        Assert.Equal("blocks.8.hook_resid_pre", config.HookName);
        Assert.Equal(ActivationNormalization.None, config.NormalizeActivations);
        Assert.True(config.ModelFromPretrainedKwargs["center_writing_weights"]);
        // Residual SAEs trained this way read x − mean(x): the model must load with center_writing_weights only.
        Assert.Equal(new WeightProcessing(false, true, false, false), WeightProcessing.FromPretrainedKwargs(config.ModelFromPretrainedKwargs));
    }

    [Theory]
    [InlineData("""{"architecture": "weird"}""", "architecture", "weird")]
    [InlineData("""{"normalize_activations": "sometimes"}""", "normalize_activations", "sometimes")]
    [InlineData("""{"d_sae": 0}""", "d_sae", "0")]
    [InlineData("""{"architecture": "topk", "k": 201}""", "k", "201")]
    [InlineData("""{"d_in": null}""", "d_in", "missing")]
    [InlineData("""{"d_in": "96"}""", "d_in", "\"96\"")]
    [InlineData("""{"metadata": {"hook_name": null}}""", "hook_name", "missing")]
    // Issue 14: settings that were accepted and then run as something else.
    [InlineData("""{"architecture": "topk"}""", "k", "missing")]
    [InlineData("""{"architecture": "topk", "k": 8, "activation_fn_kwargs": {"k": 16}}""", "activation_fn_kwargs.k", "16")]
    [InlineData("""{"architecture": "topk", "activation_fn_kwargs": {"k": "8"}}""", "activation_fn_kwargs.k", "\"8\"")]
    [InlineData("""{"activation_fn_kwargs": "k=8"}""", "activation_fn_kwargs", "\"k=8\"")]
    [InlineData("""{"activation_fn_str": "tanh-relu"}""", "activation_fn_str", "tanh-relu")]
    [InlineData("""{"activation_fn": "gelu"}""", "activation_fn", "gelu")]
    [InlineData("""{"architecture": "jumprelu", "activation_fn": "topk"}""", "activation_fn", "jumprelu")]
    [InlineData("""{"d_in": 1000000, "d_sae": 1000000}""", "d_sae", "1,000,000,000,000")]
    public void Parse_BadField_ThrowsInvalidDataNamingTheField(string patch, string field, string found)
    {
        var cfg = MergePatch(ValidConfig(), Json(patch));

        var error = Assert.Throws<InvalidDataException>(() => SaeConfig.Parse(cfg, Source));

        Assert.Matches($@"(^|[^\w]){Regex.Escape(field)}([^\w]|$)", error.Message);
        Assert.Contains(found, error.Message);
        Assert.Contains(Source, error.Message);
    }

    [Theory]
    // SAELens 6 reads a pre-6.0 TopK SAE's k from activation_fn_kwargs (handle_pre_6_0_config).
    [InlineData("""{"architecture": "topk", "activation_fn_kwargs": {"k": 7}}""")]
    [InlineData("""{"activation_fn_str": "topk", "activation_fn_kwargs": {"k": 7}}""")]
    [InlineData("""{"architecture": "topk", "activation_fn": "topk", "activation_fn_kwargs": {"k": 7}, "k": 7}""")]
    [InlineData("""{"architecture": "topk", "k": 7, "activation_fn_kwargs": {}}""")]
    public void Parse_TopKWithKWhereSaeLensReadsIt_UsesThatK(string patch)
    {
        var config = SaeConfig.Parse(MergePatch(ValidConfig(), Json(patch)), Source);

        Assert.Equal(SaeArchitecture.TopK, config.Architecture);
        Assert.Equal(7, config.K);
    }

    [Fact]
    public void Parse_ReluActivationOrKOnANonTopKSae_IsAccepted()
    {
        // Gemma Scope style: a JumpReLU SAE saying activation_fn "relu"; a stray k is ignored as SAELens ignores it.
        var config = SaeConfig.Parse(MergePatch(ValidConfig(), Json("""{"architecture": "jumprelu", "activation_fn": "relu", "k": 5}""")), Source);

        Assert.Equal(SaeArchitecture.JumpRelu, config.Architecture);
    }

    [Fact]
    public void Parse_ValidConfig_Succeeds()
    {
        // The base the bad-field cases patch must itself be valid, or those cases would prove nothing.
        var config = SaeConfig.Parse(ValidConfig(), Source);
        Assert.Equal(96, config.DIn);
        Assert.Equal(200, config.DSae);
        Assert.Equal("blocks.1.hook_resid_pre", config.HookName);
    }

    /// <summary>A 6.x cfg.json as SAELens writes it (d_in 96, d_sae 200).</summary>
    private static JsonObject ValidConfig() => Json("""
        {
          "d_in": 96, "d_sae": 200, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": true,
          "normalize_activations": "none", "reshape_activations": "none", "architecture": "standard",
          "metadata": {"sae_lens_version": "6.18.0", "model_name": "tiny-gpt2", "hook_name": "blocks.1.hook_resid_pre",
                       "hook_head_index": null, "context_size": 64, "prepend_bos": true, "model_from_pretrained_kwargs": {}}
        }
        """);

    private static JsonObject Json(string text) => (JsonObject)JsonNode.Parse(text)!;

    /// <summary>RFC 7386 JSON Merge Patch: null removes a field, objects merge recursively, anything else replaces.</summary>
    private static JsonObject MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null) target.Remove(key);
            else if (value is JsonObject inner && target[key] is JsonObject existing) MergePatch(existing, inner);
            else target[key] = value.DeepClone();
        }
        return target;
    }
}
