using System.CommandLine;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas init-sae</c>: a randomly initialised SAE for a model's hook, in SAELens format.</summary>
internal static class InitSaeCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("The model folder the SAE will read (its config sets d_in).");
        var hook = new Option<string>("--hook") { Description = "TransformerLens hook point, e.g. blocks.8.hook_resid_pre.", Required = true };
        var dSae = new Option<int>("--d-sae") { Description = "Number of features.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write cfg.json and sae_weights.safetensors into.", Required = true };
        var architecture = new Option<string>("--architecture") { Description = "standard, topk, jumprelu or gated.", DefaultValueFactory = _ => "standard" };
        var k = new Option<int>("--k") { Description = "Active features per token (topk only).", DefaultValueFactory = _ => 32 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        architecture.AcceptOnlyFromAmong("standard", "topk", "jumprelu", "gated");

        var command = new Command("init-sae", "Write a randomly initialised SAE (SAELens format) for a hook of a model.") { model, hook, dSae, output, architecture, k, seed };
        command.SetAction(parse =>
        {
            var modelDir = parse.GetValue(model)!;
            var config = Gpt2Config.Load(Path.Combine(modelDir, "config.json"));
            var arch = parse.GetValue(architecture) switch
            {
                "topk" => SaeArchitecture.TopK,
                "jumprelu" => SaeArchitecture.JumpRelu,
                "gated" => SaeArchitecture.Gated,
                _ => SaeArchitecture.Standard,
            };
            if (parse.GetValue(dSae) <= 0) throw new UsageException($"--d-sae must be positive, found {parse.GetValue(dSae)}.");
            var modelName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir)));
            var sae = SaeInitializer.Create(config, modelName, parse.GetValue(hook)!, parse.GetValue(dSae), arch, parse.GetValue(seed), parse.GetValue(k));
            var directory = parse.GetValue(output)!;
            sae.Save(directory);
            AnsiConsole.MarkupLine($"Wrote a random {arch.ToString().ToLowerInvariant()} SAE ({sae.DIn} → {sae.DSae}) on {Markup.Escape(sae.HookName)} to [bold]{Markup.Escape(directory)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }
}
