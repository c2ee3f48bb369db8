using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// <see cref="LiveAtlasApp"/> plus one random transcoder per block of the live model (block 0 standard, block 1 TopK k 4),
/// stored as SAE records as transcoders are, for <c>/api/graph/steer</c>.
/// </summary>
public sealed class GraphSteerAtlasApp : LiveAtlasApp
{
    public const int TranscoderDSae = 16;

    private readonly string _transcoders = Path.Combine(Path.GetTempPath(), "atlas-web-tests", "transcoders-" + Guid.NewGuid().ToString("N"));

    public Transcoder[] Transcoders { get; private set; } = [];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var config = Gpt2Model.Load(ModelDirectory).Config;
        Transcoders =
        [
            Transcoder.Create(config, LiveModel, 0, TranscoderDSae, SaeArchitecture.Standard, 11, name: "tiny-tc0"),
            Transcoder.Create(config, LiveModel, 1, TranscoderDSae, SaeArchitecture.TopK, 12, k: 4, name: "tiny-tc1"),
        ];
        foreach (var t in Transcoders)
        {
            var folder = Path.Combine(_transcoders, t.Name);
            t.Save(folder);
            await Store.Models.UpsertSaeAsync(SaeRecord.Of(LiveModel, Transcoder.Load(folder).Encoder, folder), CancellationToken.None);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_transcoders)) Directory.Delete(_transcoders, recursive: true);
    }
}
