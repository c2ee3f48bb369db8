using FeatureAtlas.Cli;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas dashboards build --set</c>: the Neuronpedia source set the SAE joins, checked before any work, and stored with its description.</summary>
[Collection(CliCollection.Name)]
public sealed class DashboardsSetCliTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task DashboardsBuild_Set_StoresTheSetAndRefusesAMalformedOne()
    {
        var db = fixture.NewPath("sets") + ".db";
        Assert.Equal(ExitCodes.Success, AtlasCli.Run(["corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db]));
        string[] build = ["dashboards", "build", "--model", fixture.ModelDirectory, "--sae", fixture.SaeDirectory, "--corpus", "windows", "--tokens", "640",
            "--batch", "4", "--top", "4", "--intervals", "2", "--interval-examples", "2", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"), "--name", "model"];

        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. build, "--set", "Res JB"]));
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. build, "--set-description", "no set to describe"]));
        Assert.Equal(ExitCodes.Success, AtlasCli.Run([.. build, "--set", "res-jb", "--set-description", "Residual SAEs of the tiny model"]));

        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var sae = Assert.Single(await store.Models.ListSaesAsync("model", CancellationToken.None));
        Assert.Equal("res-jb", sae.SetName);
        Assert.Equal("Residual SAEs of the tiny model", (await store.Models.GetModelSourcesAsync("model", CancellationToken.None))!.SourceSets["res-jb"]);

        // A later build without --set keeps the set chosen before.
        Assert.Equal(ExitCodes.Success, AtlasCli.Run(build));
        Assert.Equal("res-jb", Assert.Single(await store.Models.ListSaesAsync("model", CancellationToken.None)).SetName);
    }
}
