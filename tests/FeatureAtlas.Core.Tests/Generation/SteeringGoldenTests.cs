using System.Text.Json.Nodes;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Generation;

/// <summary>
/// Greedy generation, default and steered in one batch, against an independent PyTorch implementation that
/// recomputes the whole sequence every step (tests/reference/make_steer_golden.py, float64) on the tiny synthetic
/// GPT-2 and SAEs: token ids equal for 32 tokens, per-step logprobs within 1e-4, for every steering method, and
/// the same for seeded sampling (frequency penalty, temperature, top-k, top-p) with the engine's draws restated in Python.
/// </summary>
public sealed class SteeringGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly TemporaryDirectory _extra = new();

    private const double LogprobTolerance = 1e-4;
    private static readonly JsonObject Goldens = (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("steer_golden.json")))!;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        // Each steered case runs beside its default: "default" (greedy) or "sampled_default".
        foreach (var c in Goldens["cases"]!.AsArray().Select(c => (string)c!["name"]!).Where(n => n is not "default" and not "sampled_default")) data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generate_DefaultAndSteeredInOneBatch_MatchPyTorch(string name)
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var prompt = Goldens["prompt"]!.AsArray().Select(t => (int)t!).ToArray();
        var options = new GenerationOptions { NewTokens = (int)Goldens["n_tokens"]!, TopLogprobs = (int)Goldens["top_n"]! };
        var sampled = name.StartsWith("sampled", StringComparison.Ordinal);
        if (sampled)
        {
            var s = Goldens["sampling"]!;
            options = options with
            {
                Temperature = (float)(double)s["temperature"]!, TopK = (int)s["top_k"]!, TopP = (float)(double)s["top_p"]!,
                FrequencyPenalty = (float)(double)s["freq_penalty"]!, Seed = (ulong)s["seed"]!,
            };
        }
        var golden = Case(name);

        var results = TextGenerator.Generate(model, prompt, options, [SteeringPlan.None, Plan(golden)]);

        AssertMatches(Case(sampled ? "sampled_default" : "default"), results[0], "default");
        AssertMatches(golden, results[1], name);
    }

    [Fact]
    public void Generate_Default_TopAlternativesMatchPyTorch()
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var prompt = Goldens["prompt"]!.AsArray().Select(t => (int)t!).ToArray();
        var golden = Goldens["cases"]![0]!;

        var result = TextGenerator.Generate(model, prompt, new GenerationOptions { NewTokens = 32, TopLogprobs = 5 });

        var tops = golden["top"]!.AsArray();
        for (var step = 0; step < tops.Count; step++)
        {
            var expected = tops[step]!.AsArray();
            var actual = result.Tokens[step].Top;
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal((int)expected[i]![0]!, actual[i].Token);
                Assert.True(Math.Abs((double)expected[i]![1]! - actual[i].Logprob) <= LogprobTolerance, $"step {step} alternative {i}: {actual[i].Logprob} vs {(double)expected[i]![1]!}");
            }
        }
    }

    private static JsonNode Case(string name) => Goldens["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;

    private SteeringPlan Plan(JsonNode golden)
    {
        var multiplier = (float)(double)Goldens["multiplier"]!;
        var vectors = new List<SteeringVector>();
        foreach (var v in golden["vectors"]!.AsArray())
        {
            var strength = (float)(double)v!["strength"]!;
            if (v["sae"] is JsonValue saeName)
            {
                var sae = SparseAutoencoder.Load(SaeDirectory((string)saeName!));
                vectors.Add(SteeringVector.ForFeature(sae, (int)v["feature"]!, strength * multiplier));
            }
            else
            {
                var direction = Goldens["custom_vector"]!.AsArray().Select(x => (float)(double)x!).ToArray();
                vectors.Add(new SteeringVector((string)v["hook"]!, direction, strength * multiplier));
            }
        }
        var method = (string)golden["method"]! switch
        {
            "additive" => SteeringMethod.SimpleAdditive,
            "orthogonal" => SteeringMethod.OrthogonalDecomp,
            "cap" => SteeringMethod.ProjectionCap,
            "clamp" => SteeringMethod.Clamp,
            var other => throw new InvalidDataException(other),
        };
        var positions = Enum.Parse<SteeringPositions>((string)golden["positions"]!, ignoreCase: true);
        return new SteeringPlan(vectors, method, positions, (bool)golden["skip_bos"]!);
    }

    /// <summary>
    /// A tiny_spec SAE's folder, or the golden file's extra SAE (TopK with rescale_acts_by_decoder_norm and
    /// constant_norm_rescale, decoder rows far from unit norm) rebuilt with the same generator.
    /// </summary>
    private string SaeDirectory(string name)
    {
        var extra = Goldens["extra_sae"]!;
        if (name != (string)extra["name"]!) return fixture.Checkpoint.SaeDirectory(name);
        var folder = _extra.Combine(name);
        if (Directory.Exists(folder)) return folder;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "cfg.json"), extra["cfg"]!.ToJsonString());
        var tensors = extra["tensors"]!.AsArray().Select(t =>
        {
            var shape = t!["shape"]!.AsArray().Select(d => (int)d!).ToArray();
            var data = SyntheticCheckpoint.Generate((string)t["key"]!, shape.Aggregate(1, (a, b) => a * b), (float)(double)t["scale"]!, (float)(double)t["offset"]!);
            return new SafetensorsWriter.Entry((string)t["name"]!, shape, data);
        });
        SafetensorsWriter.Write(Path.Combine(folder, "sae_weights.safetensors"), tensors);
        return folder;
    }

    public void Dispose() => _extra.Dispose();

    private static void AssertMatches(JsonNode golden, GenerationResult actual, string what)
    {
        var tokens = golden["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
        var logprobs = golden["logprobs"]!.AsArray().Select(t => (double)t!).ToArray();
        Assert.Equal(tokens, actual.TokenIds);
        for (var i = 0; i < logprobs.Length; i++)
        {
            Assert.True(Math.Abs(logprobs[i] - actual.Tokens[i].Logprob) <= LogprobTolerance, $"{what} step {i}: logprob {actual.Tokens[i].Logprob}, PyTorch {logprobs[i]}.");
        }
    }
}
