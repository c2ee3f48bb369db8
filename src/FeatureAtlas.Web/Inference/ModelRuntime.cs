using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Search;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Web.Inference;

/// <summary>
/// One model and its runnable SAEs in memory, searched through one <see cref="FeatureSearch"/> (which queues
/// concurrent requests itself: both cores already work on each pass). SAEs are named here as stored (URLs), and
/// translated to the session's names (their folder names).
/// </summary>
public sealed class ModelRuntime
{
    private readonly Dictionary<string, string> _sessionNames;
    private readonly Dictionary<string, string> _storedNames;

    private ModelRuntime(ModelRecord model, IReadOnlyList<SaeRecord> saes, FeatureSearch search, IReadOnlyDictionary<string, float[]> densities)
    {
        Model = model;
        Saes = saes;
        Search = search;
        _sessionNames = saes.Select((s, i) => (s.Name, search.Session.Saes[i].Name)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
        _storedNames = _sessionNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        Densities = densities.ToDictionary(p => _sessionNames[p.Key], p => p.Value, StringComparer.Ordinal);
    }

    public ModelRecord Model { get; }

    /// <summary>The SAEs as stored, in the order of the session's SAEs.</summary>
    public IReadOnlyList<SaeRecord> Saes { get; }

    public FeatureSearch Search { get; }

    /// <summary>frac_nonzero by feature index, keyed by session SAE name, for SAEs with dashboards.</summary>
    public IReadOnlyDictionary<string, float[]> Densities { get; }

    public Gpt2Tokenizer Tokenizer { get; } = Gpt2Tokenizer.CreateDefault();

    public static ModelRuntime Load(ModelRecord model, IReadOnlyList<SaeRecord> saes, IReadOnlyDictionary<string, float[]?> densities)
    {
        var session = InferenceSession.Load(model.Path!, saes.Select(s => s.Path!).ToList());
        var known = densities.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
        return new ModelRuntime(model, saes, new FeatureSearch(session), known);
    }

    /// <summary>The session's name for a stored SAE; an SAE that is unknown or cannot run here is a 404.</summary>
    public string SessionName(string sae) => _sessionNames.TryGetValue(sae, out var name)
        ? name
        : throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>A runnable SAE's stored record.</summary>
    public SaeRecord Sae(string sae) => Saes.FirstOrDefault(s => s.Name == sae)
        ?? throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>The stored (URL) name of a session SAE.</summary>
    public string StoredName(string sessionName) => _storedNames[sessionName];

    /// <summary>BOS plus the text's tokens; an error naming the limit when the text is empty or too long.</summary>
    public int[] Tokenize(string? text, AtlasWebOptions limits)
    {
        if (string.IsNullOrEmpty(text)) throw new ArgumentException("The text is empty.");
        if (text.Length > limits.MaxTextCharacters) throw new ArgumentException($"The text is {text.Length} characters long; at most {limits.MaxTextCharacters} are allowed.");
        var tokens = Tokenizer.Encode(text, prependBos: true);
        // The site's limit, or the model's context where that is shorter (BOS counts: it takes a position).
        var most = Math.Min(limits.MaxTextTokens, Search.Session.Model.Config.Positions);
        if (tokens.Length > most) throw new ArgumentException($"The text is {tokens.Length} tokens long; at most {most} are allowed.");
        return tokens;
    }

    public string[] TokenStrings(int[] tokens) => Tokenizer.GetTokenStrings(tokens);
}
