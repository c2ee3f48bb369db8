using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics.Tensors;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas steer</c>: the default and a steered continuation of one prompt, decoded together. Steering terms are
/// groups in command-line order: <c>--sae S --feature I --strength X</c> (a later <c>--feature</c> without its own
/// <c>--sae</c> reuses the previous SAE) and <c>--vector FILE.npy --hook NAME --strength X</c> (the vector is scaled
/// to unit norm). The coefficient is strength × --multiplier. The --json shape is a contract:
/// {"prompt_tokens": [ids], "default": {"tokens": [ids], "text", "logprobs": [{"token", "logprob", "top": [{"token",
/// "logprob"}]}]}, "steered": {the same}}.
/// </summary>
internal static class SteerCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = GenerationCli.Prompt();
        var tokenIds = GenerationCli.TokenIds();
        var sae = new Option<string[]>("--sae") { Description = "An SAELens SAE folder or stored SAE name; the --feature after it is one of its features." };
        var feature = new Option<int[]>("--feature") { Description = "A feature index of the preceding --sae; repeatable." };
        var vector = new Option<string[]>("--vector") { Description = "A custom steering vector (.npy, float32, the hook's width); repeatable." };
        var hook = new Option<string[]>("--hook") { Description = "The hook point of the preceding --vector, e.g. blocks.6.hook_resid_pre." };
        var strength = new Option<float[]>("--strength") { Description = "The strength of the preceding --feature or --vector (folded activation units)." };
        var method = new Option<string>("--method") { Description = "additive, orthogonal, cap or clamp.", DefaultValueFactory = _ => "additive" };
        var multiplier = new Option<float>("--multiplier") { Description = "Multiplies every strength.", DefaultValueFactory = _ => 1f };
        var positions = new Option<string>("--positions") { Description = "all, prompt or generated.", DefaultValueFactory = _ => "all" };
        var skipBos = new Option<bool>("--skip-bos") { Description = "Leave position 0 (the BOS token) unsteered." };
        var newTokens = GenerationCli.NewTokens();
        var temperature = GenerationCli.Temperature();
        var seed = GenerationCli.Seed();
        var topK = GenerationCli.TopK();
        var topP = GenerationCli.TopP();
        var penalty = GenerationCli.FrequencyPenalty();
        var topLogprobs = GenerationCli.TopLogprobs();
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("steer", "Generate a default and a steered continuation side by side (SAE features or custom vectors).")
        {
            model, prompt, tokenIds, sae, feature, strength, vector, hook, method, multiplier, positions, skipBos,
            newTokens, temperature, seed, topK, topP, penalty, topLogprobs, processing, json, db,
        };
        command.Validators.Add(result => GenerationCli.RequireOnePrompt(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var terms = Terms(parse, sae.GetValueOrEmpty(parse), feature.GetValueOrEmpty(parse), vector.GetValueOrEmpty(parse), hook.GetValueOrEmpty(parse),
                strength.GetValueOrEmpty(parse));
            var steerMethod = ParseMethod(parse.GetValue(method)!);
            var steerPositions = ParsePositions(parse.GetValue(positions)!);
            var scale = parse.GetValue(multiplier);
            if (!float.IsFinite(scale)) throw new UsageException($"--multiplier must be a finite number, found {scale.ToString(CultureInfo.InvariantCulture)}.");

            var db0 = parse.GetValue(db)!;
            var (directory, modelName) = await GenerationCli.ResolveModelAsync(parse.GetValue(model)!, db0, cancellationToken);
            var saeFolders = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in terms.Where(t => t.Sae is not null).Select(t => t.Sae!).Distinct())
            {
                saeFolders[name] = await GenerationCli.ResolveSaeAsync(name, modelName, db0, cancellationToken);
            }
            var folders = saeFolders.Values.Distinct().ToList();
            var session = InferenceSession.Load(directory, folders, CliOptions.ParseProcessing(parse.GetValue(processing)));
            var saeByFolder = folders.Zip(session.Saes).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);

            var vectors = new List<SteeringVector>();
            foreach (var term in terms)
            {
                if (!float.IsFinite(term.Strength)) throw new ArgumentException($"--strength must be a finite number, found {term.Strength.ToString(CultureInfo.InvariantCulture)}.");
                var coefficient = term.Strength * scale;
                vectors.Add(term.Sae is { } name
                    ? SteeringVector.ForFeature(saeByFolder[saeFolders[name]], term.Feature, coefficient)
                    : CustomVector(term.Vector!, term.Hook!, session.Model.Config, coefficient));
            }
            var plan = new SteeringPlan(vectors, steerMethod, steerPositions, parse.GetValue(skipBos));

            var tokenizer = Gpt2Tokenizer.Load(directory);
            var ids = GenerationCli.PromptTokens(parse, prompt, tokenIds, tokenizer);
            var options = GenerationCli.Options(parse, newTokens, temperature, seed, topK, topP, penalty, topLogprobs);
            TextGenerator.Validate(session.Model.Config, ids, options);
            var results = TextGenerator.Generate(session.Model, ids, options, [SteeringPlan.None, plan], null, cancellationToken);

            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    GenerationCli.WriteIds(writer, "prompt_tokens", ids);
                    writer.WritePropertyName("default");
                    GenerationCli.WriteSequence(writer, results[0], tokenizer);
                    writer.WritePropertyName("steered");
                    GenerationCli.WriteSequence(writer, results[1], tokenizer);
                });
            }
            else
            {
                var promptText = GenerationCli.Text(tokenizer, ids);
                Console.Out.WriteLine("Default:");
                Console.Out.WriteLine(promptText + GenerationCli.Text(tokenizer, results[0].TokenIds));
                Console.Out.WriteLine();
                Console.Out.WriteLine($"Steered ({parse.GetValue(method)}, {vectors.Count} term{(vectors.Count == 1 ? "" : "s")}, positions {parse.GetValue(positions)}):");
                Console.Out.WriteLine(promptText + GenerationCli.Text(tokenizer, results[1].TokenIds));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One steering term: an SAE feature or a vector file at a hook, with its strength.</summary>
    private sealed record Term(string? Sae, int Feature, string? Vector, string? Hook, float Strength);

    /// <summary>
    /// Pairs the repeatable options by their order on the command line: each --feature or --vector opens a term,
    /// and the --hook and --strength after it complete it.
    /// </summary>
    private static List<Term> Terms(ParseResult parse, string[] saes, int[] features, string[] vectors, string[] hooks, float[] strengths)
    {
        var terms = new List<Term>();
        int s = 0, f = 0, v = 0, h = 0, k = 0;
        string? currentSae = null;
        Term? open = null;
        var strengthSet = false;
        void Close()
        {
            if (open is null) return;
            if (!strengthSet) throw new UsageException($"{Describe(open)} has no --strength after it.");
            if (open.Vector is not null && open.Hook is null) throw new UsageException($"--vector {open.Vector} has no --hook after it.");
            terms.Add(open);
            open = null;
        }
        foreach (var token in parse.Tokens)
        {
            if (token.Type != TokenType.Option) continue;
            switch (token.Value)
            {
                case "--sae":
                    Close();
                    currentSae = saes[s++];
                    break;
                case "--feature":
                    Close();
                    if (currentSae is null) throw new UsageException("--feature needs an --sae before it.");
                    open = new Term(currentSae, features[f++], null, null, 0f);
                    strengthSet = false;
                    break;
                case "--vector":
                    Close();
                    open = new Term(null, -1, vectors[v++], null, 0f);
                    strengthSet = false;
                    break;
                case "--hook":
                    if (open?.Vector is null || open.Hook is not null) throw new UsageException("--hook must follow its --vector.");
                    open = open with { Hook = hooks[h++] };
                    break;
                case "--strength":
                    if (open is null || strengthSet) throw new UsageException("--strength must follow its --feature or --vector.");
                    open = open with { Strength = strengths[k++] };
                    strengthSet = true;
                    break;
            }
        }
        Close();
        if (s > 0 && f == 0) throw new UsageException("--sae needs at least one --feature and --strength after it.");
        if (terms.Count == 0) throw new UsageException("Give at least one steering term: --sae S --feature I --strength X, or --vector FILE --hook NAME --strength X.");
        return terms;
    }

    private static string Describe(Term term) => term.Sae is not null ? $"--feature {term.Feature}" : $"--vector {term.Vector}";

    private static SteeringVector CustomVector(string path, string hook, Core.Model.Gpt2Config config, float coefficient)
    {
        var width = SaeInitializer.InputWidth(config, hook);
        var (data, rows, columns) = NpyFile.Read(path);
        if (data.Length != width || Math.Min(rows, columns) != 1)
        {
            var widthName = width == config.DModel ? "d_model" : "d_mlp";
            throw new InvalidDataException($"--vector {path}: has shape [{rows}, {columns}] ({data.Length} values); {hook} expects {widthName} = {width}.");
        }
        var norm = TensorPrimitives.Norm(data);
        if (!(norm > 0f) || !float.IsFinite(norm)) throw new InvalidDataException($"--vector {path}: must be finite and non-zero (norm {norm}).");
        TensorPrimitives.Divide(data, norm, data);
        return new SteeringVector(hook, data, coefficient);
    }

    private static SteeringMethod ParseMethod(string value) => value switch
    {
        "additive" => SteeringMethod.SimpleAdditive,
        "orthogonal" => SteeringMethod.OrthogonalDecomp,
        "cap" => SteeringMethod.ProjectionCap,
        "clamp" => SteeringMethod.Clamp,
        _ => throw new UsageException($"--method must be additive, orthogonal, cap or clamp, found '{value}'."),
    };

    private static SteeringPositions ParsePositions(string value) => value switch
    {
        "all" => SteeringPositions.All,
        "prompt" => SteeringPositions.Prompt,
        "generated" => SteeringPositions.Generated,
        _ => throw new UsageException($"--positions must be all, prompt or generated, found '{value}'."),
    };

    private static T[] GetValueOrEmpty<T>(this Option<T[]> option, ParseResult parse) => parse.GetValue(option) ?? [];
}
