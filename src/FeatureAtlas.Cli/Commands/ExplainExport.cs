using System.CommandLine;
using System.Text.Json.Nodes;
using FeatureAtlas.Data;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas explain export</c>: an SAE's explanations as a JSON array shaped like Neuronpedia's explanation rows
/// (neuronpedia.md §1: modelId, layer = source id, index, description, typeName, explanationModelName, authorId,
/// scores[{value, explanationScoreTypeName, explanationScoreModelName, jsonDetails}]).
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
            var rows = new JsonArray();
            for (var offset = 0; ; offset += 4096)
            {
                var page = await store.ListExplanationsAsync(modelName, saeName, parse.GetValue(method), offset, 4096, cancellationToken);
                foreach (var e in page)
                {
                    var scores = new JsonArray();
                    if (e.ScoresJson is not null && JsonNode.Parse(e.ScoresJson) is JsonObject details)
                    {
                        var headline = details["correlation"] ?? details["detection"]?["balanced_accuracy"];
                        scores.Add(new JsonObject
                        {
                            ["value"] = headline?.DeepClone(),
                            ["explanationScoreTypeName"] = details.ContainsKey("correlation") ? "atlas_simulation-correlation" : "eleuther_recall",
                            ["explanationScoreModelName"] = e.ModelName ?? "atlas",
                            ["jsonDetails"] = e.ScoresJson,
                        });
                    }
                    rows.Add(new JsonObject
                    {
                        ["modelId"] = modelName, ["layer"] = saeName, ["index"] = e.FeatureIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["description"] = e.Text, ["typeName"] = e.Method, ["explanationModelName"] = e.ModelName ?? e.Method,
                        ["authorId"] = e.AuthorId?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["createdAt"] = e.CreatedAt.ToString("O"), ["scores"] = scores,
                    });
                }
                if (page.Count < 4096) break;
            }
            var path = parse.GetValue(output)!;
            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, rows.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            File.Move(temp, path, overwrite: true);
            AnsiConsole.MarkupLine($"Wrote {rows.Count:N0} explanations to [bold]{Markup.Escape(path)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }
}
