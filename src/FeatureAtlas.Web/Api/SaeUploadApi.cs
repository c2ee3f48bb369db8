using System.Text.RegularExpressions;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Auth;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>POST /api/sae/upload</c> (multipart: <c>model</c>, <c>name</c>, <c>corpus</c>, <c>tokens</c>, files <c>cfg</c> and
/// <c>weights</c>): a signed-in user brings an SAELens SAE for a model of this site. The files stream to a private
/// folder under the upload limit, are checked against the model (<see cref="SaeUploadCheck"/>), and only then move to
/// <c>{uploads}/{model}/{name}</c>, join the model's SAEs and start their chain of jobs (dashboards over the chosen
/// corpus, explanations, map; <see cref="SaeBuildJob"/>). Any failure answers ProblemDetails and keeps nothing.
/// </summary>
public static partial class SaeUploadApi
{
    /// <summary>Room for the form fields and multipart boundaries beside the files.</summary>
    private const long FormSlack = 64 * 1024;

    private const long MaxCfgBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapSaeUploadApi(this IEndpointRouteBuilder api)
    {
        var options = api.ServiceProvider.GetRequiredService<AtlasWebOptions>();
        api.MapPost("/sae/upload", Upload)
            .RequireAuthorization(AtlasAuthExtensions.SignedIn)
            .RequireRateLimiting(AtlasRateLimits.Writes)
            .WithMetadata(new RequestSizeLimitAttribute(options.MaxSaeUploadBytes + FormSlack))
            .DisableAntiforgery()
            .Accepts<object>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Upload an SAELens SAE (cfg.json + sae_weights.safetensors) for a model; checked, then dashboards, explanations and a map are built by jobs.");
        return api;
    }

    public static async Task<Results<Accepted<SaeUploadDto>, ProblemHttpResult>> Upload(HttpContext context, AtlasWebOptions options, IModelStore models, ICorpusStore corpora,
        IJobStore jobs, JobStorage storage, CancellationToken cancellationToken)
    {
        var actor = context.User.ToActor()!;
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) ? type.Boundary : default).Value;
        if (type is null || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(boundary))
        {
            return Problem(StatusCodes.Status400BadRequest, "Not a form upload", "Send multipart/form-data with the fields model, name, corpus, tokens and the files cfg (cfg.json) and weights (sae_weights.safetensors).");
        }
        var uploads = options.ResolvedSaeUploadDirectory();
        var incoming = Path.Combine(uploads, ".incoming", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(incoming);
        try
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            var files = new HashSet<string>(StringComparer.Ordinal);
            long received = 0;
            var reader = new MultipartReader(boundary, context.Request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    var file = name switch { "cfg" => "cfg.json", "weights" => "sae_weights.safetensors", _ => null };
                    if (file is null) return Problem(StatusCodes.Status400BadRequest, "Unexpected file", $"The upload has a file field '{Clip(name)}'; expected cfg (cfg.json) and weights (sae_weights.safetensors).");
                    var limit = file == "cfg.json" ? MaxCfgBytes : options.MaxSaeUploadBytes - received;
                    var written = await CopyLimitedAsync(section.Body, Path.Combine(incoming, file), limit, cancellationToken);
                    if (written < 0)
                    {
                        return Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large",
                            file == "cfg.json" ? $"cfg.json is over {MaxCfgBytes / 1024} KiB." : $"The SAE is over this site's limit of {options.MaxSaeUploadBytes:N0} bytes.");
                    }
                    received += written;
                    files.Add(file);
                }
                else if (disposition.IsFormDisposition())
                {
                    using var text = new StreamReader(section.Body);
                    var buffer = new char[1025];
                    var read = await text.ReadBlockAsync(buffer, cancellationToken);
                    if (read > 1024) return Problem(StatusCodes.Status400BadRequest, "Field too long", $"The field '{Clip(name)}' is over 1,024 characters.");
                    fields[name] = new string(buffer, 0, read).Trim();
                }
            }

            var model = Field(fields, "model");
            var sae = Field(fields, "name");
            var corpus = Field(fields, "corpus");
            if (!SaeName().IsMatch(sae)) return Problem(StatusCodes.Status400BadRequest, "Bad SAE name", $"name '{Clip(sae)}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
            if (!long.TryParse(fields.GetValueOrDefault("tokens", "100000"), out var tokens) || tokens is < 128 or > 100_000_000)
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad token count", "tokens must be a whole number from 128 to 100,000,000.");
            }
            foreach (var file in new[] { "cfg.json", "sae_weights.safetensors" })
            {
                if (!files.Contains(file)) return Problem(StatusCodes.Status400BadRequest, "Missing file", $"The upload has no {file}: send it as the {(file == "cfg.json" ? "cfg" : "weights")} file field.");
            }
            var record = await models.GetModelAsync(model, cancellationToken);
            if (record is null) return Problem(StatusCodes.Status404NotFound, "Unknown model", $"Model '{Clip(model)}' is not in the atlas.");
            if (record.Path is not { } modelPath || !File.Exists(Path.Combine(modelPath, "config.json")))
            {
                return Problem(StatusCodes.Status400BadRequest, "Model without weights", $"Model '{model}' has no weights on this server, so no dashboards can be built for an SAE of it.");
            }
            if (await corpora.GetCorpusAsync(corpus, cancellationToken) is null) return Problem(StatusCodes.Status400BadRequest, "Unknown corpus", $"Corpus '{Clip(corpus)}' is not stored here; choose one of the stored corpora.");
            if (await models.GetSaeAsync(model, sae, cancellationToken) is not null) return Problem(StatusCodes.Status409Conflict, "Name taken", $"Model '{model}' already has an SAE named '{sae}'.");

            SparseAutoencoder checkedSae;
            try
            {
                checkedSae = SaeUploadCheck.Check(incoming, Gpt2Config.Load(Path.Combine(modelPath, "config.json")));
            }
            catch (InvalidDataException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Not a usable SAE for this model", e.Message);
            }

            var folder = Path.Combine(uploads, model, sae);
            if (Directory.Exists(folder)) return Problem(StatusCodes.Status409Conflict, "Name taken", $"An uploaded SAE folder '{sae}' of model '{model}' already exists on this server.");
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            Directory.Move(incoming, folder);
            await models.UpsertSaeAsync(SaeRecord.Of(model, SparseAutoencoder.Load(folder), folder), cancellationToken);
            _ = checkedSae;
            var chain = new SaeBuildJobOptions
            {
                Sae = sae,
                CheckpointDirectory = Path.Combine(uploads, ".checkpoints", model, sae),
                Dashboards = new DashboardJobOptions
                {
                    ModelDirectory = modelPath, SaeDirectories = [folder], Corpus = corpus, Tokens = tokens, ModelName = model, CheckpointDirectory = "",
                },
            };
            var job = await WholeJobs.EnqueueAsync(WholeJobs.SaeBuild, chain, actor.UserId, $"dashboards, explanations and map of uploaded {sae} ({model})", jobs,
                new BackgroundJobClient(storage), cancellationToken, SaeBuildJobOptions.SubjectOf(model, sae));
            return TypedResults.Accepted($"/{model}/{sae}", new SaeUploadDto(model, sae, job.Id, $"/{model}/{sae}"));
        }
        finally
        {
            if (Directory.Exists(incoming)) Directory.Delete(incoming, recursive: true);
        }
    }

    /// <summary>Copies at most <paramref name="limit"/> bytes; −1 (and nothing kept) when the stream holds more.</summary>
    private static async Task<long> CopyLimitedAsync(Stream source, string path, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit) break;
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        if (total <= limit) return total;
        File.Delete(path);
        return -1;
    }

    private static string Field(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ArgumentException($"The upload has no '{name}' field.");

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SaeName();
}
