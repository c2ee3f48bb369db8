using System.Text.Json.Nodes;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// <see cref="LiveAtlasApp"/> plus what the graph pages need: a random transcoder for each of <see cref="LiveAtlasApp.LiveModel"/>'s
/// two blocks (stored as SAEs <c>tc0</c>, <c>tc1</c>), so graphs can be generated, and a small hand-made graph of model
/// <see cref="AtlasApp.Model"/> stored as <see cref="ExampleSlug"/> whose feature nodes are features of
/// <see cref="AtlasApp.Sae"/> (block 8), which have dashboards, one with an explanation (<see cref="ExplainedClerp"/>).
/// Uploads are limited to <see cref="UploadLimit"/> bytes.
/// </summary>
public sealed class GraphAtlasApp : LiveAtlasApp
{
    public const string ExampleSlug = "whale-example";
    public const string ExplainedClerp = "the word whale";
    public const long UploadLimit = 256 * 1024;
    public static readonly string[] TranscoderNames = ["tc0", "tc1"];

    private readonly string _transcoders = Path.Combine(Path.GetTempPath(), "atlas-web-tests", "tc-" + Guid.NewGuid().ToString("N"));

    protected override long MaxGraphUploadBytes => UploadLimit;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (Skipped) return;
        var ct = CancellationToken.None;
        var config = Gpt2Config.Load(Path.Combine(ModelDirectory, "config.json"));
        for (var layer = 0; layer < config.Layers; layer++)
        {
            var dir = Path.Combine(_transcoders, TranscoderNames[layer]);
            Transcoder.Create(config, LiveModel, layer, 48, SaeArchitecture.TopK, (ulong)(layer + 11), k: 6).Save(dir);
            await Store.Models.UpsertSaeAsync(SaeRecord.Of(LiveModel, Transcoder.Load(dir).Encoder, dir), ct);
        }
        await Store.Explanations.SaveExplanationsAsync(Model, Sae, [new ExplanationRecord(3, ExplainedClerp, "manual", null, null, DateTimeOffset.UtcNow)], ct);
        await StoredGraphs.SaveAsync(ExampleGraph(ExampleSlug), Model, ExampleSlug, null, "test", Store.Models, Store.Graphs, null, ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_transcoders)) Directory.Delete(_transcoders, recursive: true);
    }

    /// <summary>
    /// A small graph of "&lt;|endoftext|&gt; The whale": three token nodes, features 3 (position 1, no clerp) and 5 (position 2,
    /// clerp "whale things") of block 8, an error node and one logit, with six links.
    /// </summary>
    public static JsonObject ExampleGraph(string slug) => JsonNode.Parse($$"""
        {
          "metadata": { "slug": "{{slug}}", "scan": "{{Model}}", "prompt_tokens": ["<|endoftext|>", "The", " whale"], "prompt": "The whale",
                        "transcoder_list": ["{{Sae}}"], "schema_version": 1,
                        "pruning_settings": { "node_threshold": 0.8, "edge_threshold": 0.98 } },
          "qParams": { "pinnedIds": [], "supernodes": [], "linkType": "both", "clickedId": "", "sg_pos": "" },
          "nodes": [
            { "node_id": "E_50256_0", "feature": 0, "layer": "E", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "E_50256-0", "clerp": "", "influence": 0.1 },
            { "node_id": "E_464_1", "feature": 1, "layer": "E", "ctx_idx": 1, "feature_type": "embedding", "jsNodeId": "E_464-1", "clerp": "", "influence": 0.4 },
            { "node_id": "E_22206_2", "feature": 2, "layer": "E", "ctx_idx": 2, "feature_type": "embedding", "jsNodeId": "E_22206-2", "clerp": "", "influence": 0.3 },
            { "node_id": "8_3_1", "feature": 69, "layer": "8", "ctx_idx": 1, "feature_type": "cross layer transcoder", "jsNodeId": "8_3-0", "clerp": "", "influence": 0.5, "activation": 2.5 },
            { "node_id": "8_5_2", "feature": 83, "layer": "8", "ctx_idx": 2, "feature_type": "cross layer transcoder", "jsNodeId": "8_5-0", "clerp": "whale things", "influence": 0.6, "activation": 4.0 },
            { "node_id": "8_-1_2", "feature": -1, "layer": "8", "ctx_idx": 2, "feature_type": "mlp reconstruction error", "jsNodeId": "8_-1_2-0", "clerp": "", "influence": 0.2 },
            { "node_id": "13_318_2", "feature": 318, "layer": "13", "ctx_idx": 2, "feature_type": "logit", "jsNodeId": "L_318-2", "clerp": "Output \" is\" (p=0.412)", "token_prob": 0.412, "is_target_logit": true }
          ],
          "links": [
            { "source": "E_464_1", "target": "8_3_1", "weight": 0.8 },
            { "source": "8_3_1", "target": "8_5_2", "weight": 1.2 },
            { "source": "E_22206_2", "target": "8_5_2", "weight": -0.4 },
            { "source": "8_5_2", "target": "13_318_2", "weight": 2.0 },
            { "source": "8_-1_2", "target": "13_318_2", "weight": 0.3 },
            { "source": "8_3_1", "target": "13_318_2", "weight": -0.5 }
          ]
        }
        """)!.AsObject();
}
