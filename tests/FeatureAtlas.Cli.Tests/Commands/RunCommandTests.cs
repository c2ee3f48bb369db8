using System.Text.Json;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas run --json</c>, the contract scripts read: one JSON object whose numbers match the PyTorch goldens of
/// the tiny model, and tokens exactly as given or as GPT-2's tokenizer gives them.
/// </summary>
[Collection(CliCollection.Name)]
public class RunCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string SaeName = "standard-resid-pre-1";

    [Fact]
    public void Run_TokenIdsHooksAndSaeAsJson_PrintsOneObjectMatchingPyTorch()
    {
        var saeDirectory = fixture.Checkpoint.SaeDirectory(SaeName);
        // The SAE asks for no weight processing (model_from_pretrained_kwargs is empty), so the raw goldens apply.
        Assert.Empty(SaeConfig.Load(Path.Combine(saeDirectory, "cfg.json")).ModelFromPretrainedKwargs);
        var ids = fixture.Checkpoint.TokenIds;
        var t = ids.Length;

        var result = CliRunner.Run("run", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", string.Join(",", ids),
            "--hook", "blocks.1.hook_resid_pre", "--hook", "blocks.0.attn.hook_pattern", "--sae", saeDirectory, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);   // a second object or stray text would not parse
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(["hooks", "logits_last", "saes", "token_strings", "tokens"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        Assert.Equal(ids, root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));   // no BOS added
        var strings = root.GetProperty("token_strings").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(t, strings.Length);
        Assert.Equal("<|endoftext|>", strings[0]);

        TestData.AssertClose(fixture.Golden("raw/logits_last"), Flatten(root.GetProperty("logits_last"), 50257), 1e-4, "logits_last");

        var hooks = root.GetProperty("hooks");
        Assert.Equal(["blocks.0.attn.hook_pattern", "blocks.1.hook_resid_pre"], hooks.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        TestData.AssertClose(fixture.Golden("raw/blocks.1.hook_resid_pre"), Flatten(hooks.GetProperty("blocks.1.hook_resid_pre"), t, 96), 1e-4, "blocks.1.hook_resid_pre");
        TestData.AssertClose(fixture.Golden("raw/blocks.0.attn.hook_pattern"), Flatten(hooks.GetProperty("blocks.0.attn.hook_pattern"), 6, t, t), 1e-4, "blocks.0.attn.hook_pattern");

        var saes = root.GetProperty("saes");
        Assert.Equal([SaeName], saes.EnumerateObject().Select(p => p.Name));
        var sae = saes.GetProperty(SaeName);
        Assert.Equal("blocks.1.hook_resid_pre", sae.GetProperty("hook").GetString());
        TestData.AssertClose(fixture.Golden($"sae/{SaeName}/acts"), Flatten(sae.GetProperty("acts"), t, 200), 1e-4, $"{SaeName} acts");
    }

    [Fact]
    public void Run_ProcessingTl_PrintsTransformerLensLogits()
    {
        var raw = fixture.Golden("raw/logits_last");
        var tl = fixture.Golden("tl/logits_last");
        // center_unembed subtracts the mean logit, so the two goldens differ and the test can tell them apart.
        Assert.True(Math.Abs(raw.Average() - tl.Average()) > 1e-2, "raw and tl goldens should differ by the mean logit.");

        var result = CliRunner.Run("run", "--model", fixture.Checkpoint.ModelDirectory, "--token-ids", string.Join(",", fixture.Checkpoint.TokenIds),
            "--processing", "tl", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        TestData.AssertClose(tl, Flatten(json.RootElement.GetProperty("logits_last"), 50257), 1e-4, "logits_last under --processing tl");
    }

    [Theory]
    [InlineData(false, new[] { 50256, 15496, 995 })]
    [InlineData(true, new[] { 15496, 995 })]
    public void Run_Text_TokenizesLikeGpt2WithOptionalBos(bool noBos, int[] expected)
    {
        string[] args = ["run", "--model", fixture.Checkpoint.ModelDirectory, "--text", "Hello world", "--json"];
        var result = CliRunner.Run(noBos ? [.. args, "--no-bos"] : args);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(expected, json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>Reads nested JSON arrays, checking each axis has the expected length, into a row-major buffer.</summary>
    private static float[] Flatten(JsonElement element, params int[] shape)
    {
        var values = new List<float>();
        void Walk(JsonElement node, int axis)
        {
            Assert.Equal(JsonValueKind.Array, node.ValueKind);
            Assert.Equal(shape[axis], node.GetArrayLength());
            foreach (var child in node.EnumerateArray())
            {
                if (axis == shape.Length - 1) values.Add(child.GetSingle());
                else Walk(child, axis + 1);
            }
        }
        Walk(element, 0);
        return values.ToArray();
    }
}
