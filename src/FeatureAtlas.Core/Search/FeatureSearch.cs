using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Search;

/// <summary>
/// Search by inference over one model and its SAEs: which features fire on a text (Neuronpedia search-all),
/// the strongest features at each token (search-topk-by-token), and one feature's activations over a text
/// (activation/new, "test this feature"). One forward pass serves every SAE a request reads: each SAE is
/// encoded inside the hook where its input is computed and the pass stops there, and the ranking is a
/// streaming partial selection, never a sort of all S·T activations.
/// <para>
/// Thread-safety: a search owns scratch buffers (the activations of the SAE being ranked, [T, S], 6 MB at
/// 64 × 24,576, and the selection heap), so requests run one at a time behind an internal
/// <see cref="SemaphoreSlim"/>; every public method is safe to call concurrently, and the async forms wait
/// without blocking a thread. Running them in parallel would not be faster anyway: each GEMM already uses
/// every core through the kernel worker pool. Create one instance per session and share it.
/// </para>
/// </summary>
public sealed partial class FeatureSearch
{
    /// <summary>GPT-2's BOS/EOS token, <c>&lt;|endoftext|&gt;</c>, its only special token.</summary>
    public const int BosToken = 50256;

    /// <summary>The most results one search returns (Neuronpedia's cap).</summary>
    public const int MaxResults = 100;

    /// <summary>The most features per token <see cref="TopFeaturesByToken"/> returns.</summary>
    public const int MaxFeaturesPerToken = 20;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int[] _layers;                 // the block of each SAE's hook, by session index
    private readonly string[] _readPoints;          // the hook each SAE's input is read at, by session index
    private readonly Dictionary<string, int> _byName;
    private float[] _features = [];                 // [T, S] activations of the SAE being visited
    private Ranking? _ranking;

    public FeatureSearch(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
        var layers = session.Model.Config.Layers;
        _layers = session.Saes.Select(s => HookNames.TryParse(s.HookName, layers, out var layer, out _) ? layer : -1).ToArray();
        _readPoints = session.Saes.Select(s => ReadPoint(s.HookName)).ToArray();
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < session.Saes.Count; i++) _byName[session.Saes[i].Name] = i;
    }

    public InferenceSession Session { get; }

    /// <summary>The block index of an SAE's hook (its Neuronpedia "layer"): 3 for blocks.3.hook_resid_pre.</summary>
    public int LayerOf(string sae) => _layers[IndexOf(sae)];

    /// <summary>
    /// Where a forward pass reads the input of an SAE on <paramref name="hookName"/>: blocks.L.hook_resid_pre is the
    /// same tensor as blocks.(L−1).hook_resid_post, so reading it there lets the pass stop before running block L:
    /// one block of twelve (~8% of the forward) saved for an SAE on blocks.11.hook_resid_pre.
    /// </summary>
    public static string ReadPoint(string hookName)
    {
        ArgumentNullException.ThrowIfNull(hookName);
        if (HookNames.TryParse(hookName, int.MaxValue, out var layer, out var kind) && kind == "hook_resid_pre" && layer > 0)
        {
            return HookNames.ResidPost(layer - 1);
        }
        return hookName;
    }

    /// <summary>Receives each SAE's input as the forward pass computes it.</summary>
    private abstract class SaeVisitor
    {
        public abstract void Visit(int sae, ReadOnlySpan<float> x, int rows);
    }

    /// <summary>One forward pass over <paramref name="tokens"/> that stops at the deepest read point of <paramref name="saes"/>.</summary>
    private void Forward(ReadOnlySpan<int> tokens, IReadOnlyList<int> saes, SaeVisitor visitor)
    {
        if (saes.Count == 0) return;
        var rows = tokens.Length;
        var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
        foreach (var s in saes)
        {
            var name = _readPoints[s];
            if (hooks.ContainsKey(name)) continue;
            var hookName = Session.Saes[s].HookName;
            hooks[name] = (_, _, values) =>
            {
                // An SAE fed Infinity or NaN gives nothing worth ranking; name the model's tensor, not the SAE's.
                NonFiniteValuesException.ThrowIfAny(values, values.Length / rows, hookName);
                foreach (var t in saes)
                {
                    if (_readPoints[t] == name) visitor.Visit(t, values, rows);
                }
            };
        }
        Session.Model.Run(tokens, 1, new RunOptions { Hooks = hooks, ComputeLogits = false }, default);
    }

    /// <summary>The [rows, S] scratch for one SAE's activations, grown to the largest request seen.</summary>
    private Span<float> FeatureBuffer(int rows, int dSae)
    {
        var needed = checked(rows * dSae);
        if (_features.Length < needed) _features = GC.AllocateUninitializedArray<float>(needed);
        return _features.AsSpan(0, needed);
    }

    private int IndexOf(string sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return _byName.TryGetValue(sae, out var index)
            ? index
            : throw new ArgumentException($"No SAE named '{sae}' in this session (it has {string.Join(", ", _byName.Keys)}).", nameof(sae));
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("No tokens to search.", nameof(tokens));
        var positions = Session.Model.Config.Positions;
        if (tokens.Length > positions) throw new ArgumentException($"{tokens.Length} tokens exceed the model's n_positions = {positions}.", nameof(tokens));
    }

    private async Task<T> Exclusive<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Enter() => _gate.Wait();

    private void Exit() => _gate.Release();
}
