namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// The one place in a process where models run: each model and its SAEs are loaded once from the folders the
/// <see cref="IModelCatalog"/> names, and every live use (test a feature, search by inference, steering,
/// explanations, CLI commands) borrows them through <see cref="RunAsync{T}"/>, which queues the work on that
/// model's <see cref="FairWorkQueue"/>. At most <see cref="ModelRuntimeOptions.MaxLoadedModels"/> are held; loading
/// one more drops the least recently used (work already running on it finishes on its own reference). A load that
/// fails is remembered for <see cref="ModelRuntimeOptions.FailedLoadRetryAfter"/> so a broken folder is not reread
/// by every request. Thread-safe; register one per process.
/// </summary>
public sealed class ModelRuntime
{
    private readonly IModelCatalog _catalog;
    private readonly ModelRuntimeOptions _options;
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _models = new(StringComparer.Ordinal);
    private long _clock;

    public ModelRuntime(IModelCatalog catalog, ModelRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _options = options ?? new ModelRuntimeOptions();
        _options.Validate();
    }

    /// <summary>Called with a model's name and the reason whenever an SAE of it cannot be loaded and is left out.</summary>
    public event Action<string, string>? SaeSkipped;

    /// <summary>The names of the models held now, most recently used first.</summary>
    public IReadOnlyList<string> Loaded
    {
        get
        {
            lock (_lock) return _models.Where(p => p.Value.Load.IsCompletedSuccessfully).OrderByDescending(p => p.Value.LastUsed).Select(p => p.Key).ToList();
        }
    }

    /// <summary>
    /// The loaded model (loading it if needed), for its records, names and tokenizer. <see cref="KeyNotFoundException"/>
    /// for a model the catalog does not know, <see cref="ModelUnavailableException"/> when it cannot run here.
    /// </summary>
    public async Task<LoadedModel> GetAsync(string model, CancellationToken cancellationToken) =>
        (await EntryAsync(model, cancellationToken).ConfigureAwait(false)).Loaded;

    private async Task<(Entry Entry, LoadedModel Loaded)> EntryAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var entry = Touch(model);
        try
        {
            return (entry, await entry.Load.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ForgetLater(model, entry);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the model when its turn comes among <paramref name="client"/>'s and other
    /// clients' work. Cancelling <paramref name="cancellationToken"/> (the client went away) drops waiting work and is
    /// passed to running work, which should stop at its next step.
    /// </summary>
    public async Task<T> RunAsync<T>(string model, string client, Func<LoadedModel, CancellationToken, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var (entry, loaded) = await EntryAsync(model, cancellationToken).ConfigureAwait(false);
        return await entry.Queue.RunAsync(client, ct => work(loaded, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The state of a model's queue (zeros for a model never used).</summary>
    public WorkQueueStats Stats(string model)
    {
        lock (_lock) return _models.TryGetValue(model, out var entry) ? entry.Queue.Stats : default;
    }

    private Entry Touch(string model)
    {
        lock (_lock)
        {
            if (_models.TryGetValue(model, out var entry))
            {
                entry.LastUsed = ++_clock;
                return entry;
            }
            _models[model] = entry = new Entry(LoadAsync(model), new FairWorkQueue(_options.MaxQueuedPerModel, _options.BackgroundPriority)) { LastUsed = ++_clock };
            EvictBeyondCap();
            return entry;
        }
    }

    /// <summary>Drops the least recently used models until at most the cap are held (called under the lock).</summary>
    private void EvictBeyondCap()
    {
        while (_models.Count > _options.MaxLoadedModels)
        {
            var oldest = _models.MinBy(p => p.Value.LastUsed);
            _models.Remove(oldest.Key);
        }
    }

    private void ForgetLater(string model, Entry entry)
    {
        _ = Task.Delay(_options.FailedLoadRetryAfter).ContinueWith(_ =>
        {
            lock (_lock)
            {
                if (_models.TryGetValue(model, out var current) && ReferenceEquals(current, entry)) _models.Remove(model);
            }
        }, TaskScheduler.Default);
    }

    private async Task<LoadedModel> LoadAsync(string model)
    {
        await Task.Yield();   // never load under the caller's lock
        var ct = CancellationToken.None;   // a load is shared by every waiting caller, so no one caller may cancel it
        var record = await _catalog.GetModelAsync(model, ct).ConfigureAwait(false) ?? throw new KeyNotFoundException($"Model '{model}' is not in the atlas.");
        if (record.Path is null || !Directory.Exists(record.Path))
        {
            throw new ModelUnavailableException($"Model '{model}' cannot run live: its weights folder '{record.Path}' is not on this server.");
        }
        var saes = await _catalog.ListSaesAsync(model, ct).ConfigureAwait(false);
        var runnable = saes.Where(s => s.Path is not null && Directory.Exists(s.Path)).ToList();
        foreach (var missing in saes.Except(runnable)) SaeSkipped?.Invoke(model, $"SAE {model}/{missing.Name} cannot run live: folder '{missing.Path}' is missing.");
        if (runnable.Count == 0) throw new ModelUnavailableException($"Model '{model}' has no SAE whose folder is on this server.");
        var densities = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        foreach (var sae in runnable) densities[sae.Name] = await _catalog.GetFracNonzeroAsync(model, sae.Name, ct).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => LoadedModel.Load(record, runnable, densities)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw new ModelUnavailableException($"Model '{model}' cannot run live: {e.Message}", e);
        }
    }

    private sealed class Entry(Task<LoadedModel> load, FairWorkQueue queue)
    {
        public Task<LoadedModel> Load { get; } = load;

        public FairWorkQueue Queue { get; } = queue;

        public long LastUsed { get; set; }
    }
}
