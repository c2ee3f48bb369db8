namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Every store on one database, one per capability, for hosts and tools that set them all up at once
/// (<see cref="AtlasDatabase.OpenAsync"/>, the web host's registrations, the CLI, tests). Code that uses stores takes
/// the narrowest Core interface it needs (<c>IListStore</c>, <c>IFeaturePageStore</c>, …), never this bundle.
/// </summary>
public sealed class AtlasStores
{
    public AtlasStores(AtlasDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        Corpora = new CorpusStore(database);
        Models = new ModelStore(database);
        Dashboards = new DashboardStore(database);
        FeaturePages = new FeaturePageStore(database);
        Explanations = new ExplanationStore(database);
        Evals = new EvalStore(database);
        Umaps = new UmapStore(database);
        Lists = new ListStore(database);
        Social = new SocialStore(database);
        Users = new UserStore(database);
        Steering = new SteerStore(database);
        Analyses = new FeatureAnalysisStore(database);
        Graphs = new GraphStore(database);
        Jobs = new JobStore(database);
    }

    public AtlasDatabase Database { get; }

    /// <summary>Corpora and their token windows.</summary>
    public CorpusStore Corpora { get; }

    /// <summary>Models, SAEs and source sets.</summary>
    public ModelStore Models { get; }

    /// <summary>Feature dashboards and feature-list pages.</summary>
    public DashboardStore Dashboards { get; }

    /// <summary>The one read behind a feature's page.</summary>
    public FeaturePageStore FeaturePages { get; }

    /// <summary>Machine and people's explanations, their search and the best of each feature.</summary>
    public ExplanationStore Explanations { get; }

    /// <summary>SAE evaluations.</summary>
    public EvalStore Evals { get; }

    /// <summary>Feature maps (each SAE's UMAP and joint maps).</summary>
    public UmapStore Umaps { get; }

    /// <summary>Feature lists and their comments.</summary>
    public ListStore Lists { get; }

    /// <summary>Stars, comments and votes.</summary>
    public SocialStore Social { get; }

    /// <summary>Users and their API keys.</summary>
    public UserStore Users { get; }

    /// <summary>Saved steering runs and vectors.</summary>
    public SteerStore Steering { get; }

    /// <summary>Token-set enrichment, prefix and induction tests stored with the dashboards.</summary>
    public FeatureAnalysisStore Analyses { get; }

    /// <summary>Stored attribution graphs.</summary>
    public GraphStore Graphs { get; }

    /// <summary>Long jobs and their shards' partial state.</summary>
    public JobStore Jobs { get; }
}
