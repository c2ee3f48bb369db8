using System.CommandLine;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas generate</c>: continue a prompt with the model (greedy by default). The --json shape is a contract:
/// {"prompt_tokens": [ids], "tokens": [generated ids], "text", "logprobs": [{"token", "logprob", "top": [{"token", "logprob"}]}]}.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = GenerationCli.Prompt();
        var tokenIds = GenerationCli.TokenIds();
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

        var command = new Command("generate", "Generate text from a prompt with a GPT-2 model.")
        {
            model, prompt, tokenIds, newTokens, temperature, seed, topK, topP, penalty, topLogprobs, processing, json, db,
        };
        command.Validators.Add(result => GenerationCli.RequireOnePrompt(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (directory, _) = await GenerationCli.ResolveModelAsync(parse.GetValue(model)!, parse.GetValue(db)!, cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(directory);
            var ids = GenerationCli.PromptTokens(parse, prompt, tokenIds, tokenizer);
            var options = GenerationCli.Options(parse, newTokens, temperature, seed, topK, topP, penalty, topLogprobs);
            var gpt2 = Gpt2Model.Load(directory, CliOptions.ParseProcessing(parse.GetValue(processing)));
            TextGenerator.Validate(gpt2.Config, ids, options);

            var result = TextGenerator.Generate(gpt2, ids, options, cancellationToken);
            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    GenerationCli.WriteIds(writer, "prompt_tokens", ids);
                    GenerationCli.WriteSequenceFields(writer, result, tokenizer);
                });
            }
            else
            {
                Console.Out.WriteLine(GenerationCli.Text(tokenizer, ids) + GenerationCli.Text(tokenizer, result.TokenIds));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
