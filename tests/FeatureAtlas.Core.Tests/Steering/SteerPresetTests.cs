using FeatureAtlas.Core.Steering;

namespace FeatureAtlas.Core.Tests.Steering;

/// <summary>A model folder's steer-presets.json: written whole and read back, absent is empty, a bad entry names the file and the field.</summary>
public sealed class SteerPresetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atlas-presets-").FullName;

    [Fact]
    public async Task WriteThenRead_GivesTheSamePresetsInOrder_WithReadableQuotes()
    {
        SteerPreset[] presets =
        [
            new("“The President of the United States” toward whale", "The President of the United States", "demo-res3-topk", 344, 425.8f),
            new("“Call me Ishmael.” toward Congress", "Call me Ishmael.", "demo-res3-topk", 757, 116.2f),
        ];

        await SteerPreset.WriteAsync(_folder, presets);

        Assert.Equal(presets, SteerPreset.Read(_folder));
        Assert.Contains("“The President of the United States” toward whale", File.ReadAllText(Path.Combine(_folder, SteerPreset.FileName)));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Read_FolderWithoutPresets_IsEmpty() => Assert.Empty(SteerPreset.Read(_folder));

    [Theory]
    [InlineData("""[{"label": "a", "prompt": "", "sae": "s", "index": 1, "strength": 2}]""", "field [0].prompt is missing or empty")]
    [InlineData("""[{"label": "a", "prompt": "p", "sae": "s", "index": -1, "strength": 2}]""", "preset 0 needs an index ≥ 0 and a finite strength, found -1 and 2")]
    [InlineData("""[null]""", "preset 0 is null")]
    [InlineData("""{"label": "a"}""", "not valid JSON for SteerPreset[]")]
    public void Read_BadFile_NamesTheFileAndTheProblem(string json, string problem)
    {
        var path = Path.Combine(_folder, SteerPreset.FileName);
        File.WriteAllText(path, json);

        var error = Assert.Throws<InvalidDataException>(() => SteerPreset.Read(_folder));

        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
