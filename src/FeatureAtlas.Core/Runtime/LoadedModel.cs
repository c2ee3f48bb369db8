using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Search;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// One model and its runnable SAEs in memory, as <see cref="ModelRuntime"/> holds it. SAEs are named outside as
/// stored (URLs) and inside the session by their folder names; this is the one place that maps between the two.
/// Use it only inside <see cref="ModelRuntime.RunAsync{T}"/> work, except for its records, names and tokenizer.
/// </summary>
public sealed class LoadedModel
{
    private readonly Dictionary<string, string> _sessionNames;
    private readonly Dictionary<string, string> _storedNames;
    private readonly Dictionary<string, Lazy<SparseAutoencoder>> _folded;
    private readonly object _lensLock = new();
    private (DateTime Stamp, TunedLens Lens)? _tunedLens;

    private LoadedModel(ModelRecord model, IReadOnlyList<SaeRecord> saes, FeatureSearch search, IReadOnlyDictionary<string, float[]> densities)
    {
        Model = model;
        Saes = saes;
        Search = search;
        _sessionNames = saes.Select((s, i) => (s.Name, search.Session.Saes[i].Name)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
        _storedNames = _sessionNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        Densities = densities.ToDictionary(p => _sessionNames[p.Key], p => p.Value, StringComparer.Ordinal);
        _folded = saes.Select((s, i) => (s.Name, search.Session.Saes[i])).ToDictionary(
            p => p.Name, p => new Lazy<SparseAutoencoder>(() => Folded(p.Item2)), StringComparer.Ordinal);
    }

    public ModelRecord Model { get; }

    /// <summary>The SAEs as stored, in the order of the session's SAEs.</summary>
    public IReadOnlyList<SaeRecord> Saes { get; }

    public InferenceSession Session => Search.Session;

    public FeatureSearch Search { get; }

    /// <summary>frac_nonzero by feature index, keyed by session SAE name, for SAEs with dashboards.</summary>
    public IReadOnlyDictionary<string, float[]> Densities { get; }

    public Gpt2Tokenizer Tokenizer { get; } = Gpt2Tokenizer.CreateDefault();

    /// <summary>
    /// Loads the model folder and SAE folders of the records, as SAELens would (see <see cref="InferenceSession.Load"/>).
    /// Transcoders stored among the SAEs (cfg.json with hook_name_out) are not SAEs the session can hook: they are kept
    /// aside and loaded on first use (<see cref="Transcoder(string)"/>), for graph steering.
    /// </summary>
    public static LoadedModel Load(ModelRecord model, IReadOnlyList<SaeRecord> saes, IReadOnlyDictionary<string, float[]?> densities)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(densities);
        var transcoders = saes.Where(s => Transcoders.Transcoder.HookNameOutOf(s.CfgJson) is not null).ToArray();
        var plain = saes.Except(transcoders).ToList();
        var session = InferenceSession.Load(model.Path!, plain.Select(s => s.Path!).ToList());
        var loaded = Create(model, plain, session, densities.Where(p => plain.Any(s => s.Name == p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        loaded.TranscoderRecords = transcoders;
        foreach (var t in transcoders)
        {
            loaded._transcoders[t.Name] = new Lazy<Transcoders.Transcoder>(() =>
            {
                var transcoder = Transcoders.Transcoder.Load(t.Path!);
                transcoder.CheckFits(session.Model.Config);
                return transcoder;
            });
        }
        return loaded;
    }

    /// <summary>The transcoders stored with this model (SAE records whose cfg.json has hook_name_out), not in the session.</summary>
    public IReadOnlyList<SaeRecord> TranscoderRecords { get; private set; } = [];

    private readonly Dictionary<string, Lazy<Transcoders.Transcoder>> _transcoders = new(StringComparer.Ordinal);

    /// <summary>A stored transcoder, loaded from its folder on first use and kept; unknown is <see cref="KeyNotFoundException"/>.</summary>
    public Transcoders.Transcoder Transcoder(string name) => _transcoders.TryGetValue(name, out var lazy)
        ? lazy.Value
        : throw new KeyNotFoundException($"Transcoder '{name}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>A loaded model over a session already in memory (tests, benchmarks): <paramref name="saes"/> in the session's order.</summary>
    public static LoadedModel Create(ModelRecord model, IReadOnlyList<SaeRecord> saes, InferenceSession session, IReadOnlyDictionary<string, float[]?> densities)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (saes.Count != session.Saes.Count) throw new ArgumentException($"{saes.Count} SAE records for a session of {session.Saes.Count} SAEs.", nameof(saes));
        var known = densities.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
        return new LoadedModel(model, saes, new FeatureSearch(session), known);
    }

    /// <summary>The session's name for a stored SAE; an SAE that is unknown or cannot run here is <see cref="KeyNotFoundException"/>.</summary>
    public string SessionName(string sae) => _sessionNames.TryGetValue(sae, out var name)
        ? name
        : throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>A runnable SAE's stored record.</summary>
    public SaeRecord Sae(string sae) => Saes.FirstOrDefault(s => s.Name == sae)
        ?? throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>The stored (URL) name of a session SAE.</summary>
    public string StoredName(string sessionName) => _storedNames[sessionName];

    /// <summary>
    /// A stored SAE with its decoder norms folded (SAEDashboard's fold_W_dec_norm): its activations are in the units
    /// of the stored dashboards, which steering strengths and explanation scores use. Made once per SAE, from the
    /// session's weights (not the disk), and shared; the session's own SAE keeps SAELens's raw units for search.
    /// </summary>
    public SparseAutoencoder FoldedSae(string sae) => _folded.TryGetValue(sae, out var lazy)
        ? lazy.Value
        : throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>Whether the model folder holds a tuned lens (<c>tuned_lens/</c>, written by <c>atlas train-lens</c>).</summary>
    public bool HasTunedLens => TunedLens.ExistsFor(Model.Path);

    /// <summary>
    /// The model's tuned lens, loaded from its folder on first use and again when the file changes (a lens trained
    /// while the server runs is picked up); <see cref="KeyNotFoundException"/> when there is none.
    /// </summary>
    public TunedLens GetTunedLens()
    {
        var path = Model.Path is null ? null : Path.Combine(TunedLens.DirectoryFor(Model.Path), TunedLens.ParamsFile);
        if (path is null || !File.Exists(path))
        {
            throw new KeyNotFoundException($"Model '{Model.Name}' has no tuned lens; fit one with `atlas train-lens --model {Model.Name} --corpus C`.");
        }
        var stamp = File.GetLastWriteTimeUtc(path);
        lock (_lensLock)
        {
            if (_tunedLens is not { } held || held.Stamp != stamp) _tunedLens = (stamp, TunedLens.Load(Path.GetDirectoryName(path)!, Session.Model.Config));
            return _tunedLens.Value.Lens;
        }
    }

    /// <summary>BOS plus the text's tokens; an error naming the limit when the text is empty or too long.</summary>
    public int[] Tokenize(string? text, int maxCharacters, int maxTokens, string field = "text")
    {
        if (string.IsNullOrEmpty(text)) throw new ArgumentException($"The {field} is empty.");
        if (text.Length > maxCharacters) throw new ArgumentException($"The {field} is {text.Length} characters long; at most {maxCharacters} are allowed.");
        var tokens = Tokenizer.Encode(text, prependBos: true);
        // The caller's limit, or the model's context where that is shorter (BOS counts: it takes a position).
        var most = Math.Min(maxTokens, Session.Model.Config.Positions);
        if (tokens.Length > most) throw new ArgumentException($"The {field} is {tokens.Length} tokens long; at most {most} are allowed.");
        return tokens;
    }

    public string[] TokenStrings(int[] tokens) => Tokenizer.GetTokenStrings(tokens);

    private static SparseAutoencoder Folded(SparseAutoencoder sae)
    {
        var p = sae.Parameters;
        var copy = new SaeParameters
        {
            WEnc = (float[])p.WEnc.Clone(), WDec = (float[])p.WDec.Clone(), BDec = (float[])p.BDec.Clone(),
            BEnc = (float[]?)p.BEnc?.Clone(), Threshold = (float[]?)p.Threshold?.Clone(), BGate = (float[]?)p.BGate?.Clone(),
            BMag = (float[]?)p.BMag?.Clone(), RMag = (float[]?)p.RMag?.Clone(),
        };
        var folded = SparseAutoencoder.FromParameters(sae.Config, copy, sae.Directory, sae.Name);
        folded.FoldDecoderNorms();
        return folded;
    }
}
