using System.CommandLine;
using FeatureAtlas.Core.Model;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas init-model</c>: a randomly initialised GPT-2 in the Hugging Face layout.</summary>
internal static class InitModelCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write config.json and model.safetensors into.", Required = true };
        var layers = new Option<int>("--layers") { Description = "n_layer", DefaultValueFactory = _ => 12 };
        var dModel = new Option<int>("--d-model") { Description = "n_embd", DefaultValueFactory = _ => 768 };
        var heads = new Option<int>("--heads") { Description = "n_head", DefaultValueFactory = _ => 12 };
        var vocab = new Option<int>("--vocab") { Description = "vocab_size", DefaultValueFactory = _ => 50257 };
        var context = new Option<int>("--ctx") { Description = "n_positions", DefaultValueFactory = _ => 1024 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (same seed, same weights on any machine).", DefaultValueFactory = _ => 0 };

        var command = new Command("init-model", "Write a randomly initialised GPT-2 (GPT-2's initialisation) in the Hugging Face layout.")
        {
            output, layers, dModel, heads, vocab, context, seed,
        };
        command.SetAction(parse =>
        {
            var config = new Gpt2Config
            {
                Layers = parse.GetValue(layers),
                DModel = parse.GetValue(dModel),
                Heads = parse.GetValue(heads),
                Vocab = parse.GetValue(vocab),
                Positions = parse.GetValue(context),
                DMlp = 4 * parse.GetValue(dModel),
            };
            try
            {
                config.Validate("init-model options");
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message.Replace("init-model options: ", "", StringComparison.Ordinal));
            }
            var directory = parse.GetValue(output)!;
            Gpt2Initializer.Write(directory, config, parse.GetValue(seed));
            var parameters = (long)config.Vocab * config.DModel + (long)config.Positions * config.DModel
                + config.Layers * (12L * config.DModel * config.DModel + 13L * config.DModel) + 2L * config.DModel;
            AnsiConsole.MarkupLine($"Wrote a random GPT-2 ({config.Layers} layers, d_model {config.DModel}, {config.Heads} heads, {parameters:N0} parameters) to [bold]{Markup.Escape(directory)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }
}
