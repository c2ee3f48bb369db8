using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Web.Inference;

/// <summary>
/// One model and its runnable SAEs in memory. The model's buffers serve one forward pass at a time, so every run
/// goes through <see cref="RunAsync{T}"/>, which queues callers (both cores already work on each pass).
/// </summary>
public sealed class ModelRuntime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, int> _saeSlots;

    private ModelRuntime(ModelRecord model, IReadOnlyList<SaeRecord> saes, InferenceSession session, IReadOnlyDictionary<string, float[]?> densities)
    {
        Model = model;
        Saes = saes;
        Session = session;
        Densities = densities;
        _saeSlots = saes.Select((s, i) => (s.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
    }

    public ModelRecord Model { get; }

    /// <summary>The SAEs as stored, in the same order as <see cref="InferenceSession.Saes"/>.</summary>
    public IReadOnlyList<SaeRecord> Saes { get; }

    public InferenceSession Session { get; }

    /// <summary>frac_nonzero by feature index per SAE name, from the stored dashboards (null when it has none).</summary>
    public IReadOnlyDictionary<string, float[]?> Densities { get; }

    public Gpt2Tokenizer Tokenizer { get; } = Gpt2Tokenizer.CreateDefault();

    public static ModelRuntime Load(ModelRecord model, IReadOnlyList<SaeRecord> saes, IReadOnlyDictionary<string, float[]?> densities)
    {
        var session = InferenceSession.Load(model.Path!, saes.Select(s => s.Path!).ToList());
        return new ModelRuntime(model, saes, session, densities);
    }

    /// <summary>The position of a stored SAE in <see cref="InferenceSession.Saes"/>; unknown or not runnable is a 404.</summary>
    public int SaeSlot(string sae) => _saeSlots.TryGetValue(sae, out var slot)
        ? slot
        : throw new KeyNotFoundException($"SAE '{sae}' of model '{Model.Name}' cannot run live on this server.");

    /// <summary>BOS plus the text's tokens; an error naming the limit when the text is too long.</summary>
    public int[] Tokenize(string text, AtlasWebOptions limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new ArgumentException("The text is empty.");
        if (text.Length > limits.MaxTextCharacters) throw new ArgumentException($"The text is {text.Length} characters long; at most {limits.MaxTextCharacters} are allowed.");
        var tokens = Tokenizer.Encode(text, prependBos: true);
        if (tokens.Length > limits.MaxTextTokens) throw new ArgumentException($"The text is {tokens.Length} tokens long; at most {limits.MaxTextTokens} are allowed.");
        return tokens;
    }

    /// <summary>Runs <paramref name="work"/> on the model alone, off the request thread.</summary>
    public async Task<T> RunAsync<T>(Func<InferenceSession, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => work(Session), CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }
}
