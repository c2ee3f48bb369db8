using FeatureAtlas.Core.Circuits;

namespace FeatureAtlas.Core.Tests.Circuits;

/// <summary>A model folder's circuits-example.json: written whole, read back, absent is null, and a bad file names itself and the field.</summary>
public sealed class CircuitExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atlas-example-").FullName;

    [Fact]
    public async Task WriteThenRead_GivesTheSameExample_AndNoTemporaryFileIsLeft()
    {
        var example = new CircuitExample("The President of the United", "The President of the Senate", " States", " Nations", "president");

        await example.WriteAsync(_folder);

        Assert.Equal(example, CircuitExample.Read(_folder));
        Assert.Equal([Path.Combine(_folder, CircuitExample.FileName)], Directory.GetFiles(_folder));
        Assert.Contains("\"corrupted\": \"The President of the Senate\"", File.ReadAllText(Path.Combine(_folder, CircuitExample.FileName)));
    }

    [Fact]
    public void Read_FolderWithoutAnExample_IsNull() => Assert.Null(CircuitExample.Read(_folder));

    [Theory]
    [InlineData("""{"prompt": "a", "corrupted": "b", "target": " c"}""", "field distractor is missing or empty")]
    [InlineData("""{"prompt": "", "corrupted": "b", "target": " c", "distractor": " d"}""", "field prompt is missing or empty")]
    [InlineData("""{"prompt": 3}""", "not valid JSON for CircuitExample")]
    [InlineData("null", "found null")]
    public void Read_BadFile_NamesTheFileAndTheProblem(string json, string problem)
    {
        var path = Path.Combine(_folder, CircuitExample.FileName);
        File.WriteAllText(path, json);

        var error = Assert.Throws<InvalidDataException>(() => CircuitExample.Read(_folder));

        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
