using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Hooks;

/// <summary>Activations captured during a forward pass, by hook name, each a copy in TransformerLens shape.</summary>
public sealed class ActivationCache
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public int Count => _tensors.Count;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The activation at <paramref name="name"/>; a missing name names what was cached.</summary>
    public Tensor this[string name] => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"Hook '{name}' was not cached; cached: {string.Join(", ", _tensors.Keys.Take(8))}{(_tensors.Count > 8 ? ", …" : "")}.");

    public bool TryGetValue(string name, out Tensor tensor) => _tensors.TryGetValue(name, out tensor!);

    internal void Add(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
    {
        var data = values.ToArray();
        _tensors[name] = new Tensor(data, shape.ToArray());
    }
}
