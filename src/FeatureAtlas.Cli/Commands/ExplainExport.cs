using System.CommandLine;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas explain export</c>: an SAE's explanations as a JSON array of Neuronpedia's explanation rows
/// (<see cref="NeuronpediaExplanations"/>).
/// </summary>
internal static class ExplainExport
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store.", Required = true };
        var method = new Option<string?>("--method") { Description = "Only this method (e.g. atlas_token-stats)." };
        var output = new Option<string>("--out") { Description = "The JSON file to write.", Required = true };
        var db = StoreOptions.Db();
        var command = new Command("export", "Write an SAE's explanations as Neuronpedia-shaped JSON.") { model, sae, method, output, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var (modelName, saeName) = (parse.GetValue(model)!, parse.GetValue(sae)!);
            var rows = await NeuronpediaExplanations.ExportAsync(store.Explanations, modelName, saeName, parse.GetValue(method), cancellationToken);
            var path = parse.GetValue(output)!;
            await AtomicText.WriteAsync(path, rows.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            AnsiConsole.MarkupLine($"Wrote {rows.Count:N0} explanations to [bold]{Markup.Escape(path)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }
}
