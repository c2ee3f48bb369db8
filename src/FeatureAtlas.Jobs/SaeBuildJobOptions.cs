namespace FeatureAtlas.Jobs;

/// <summary>
/// The chain a newly added SAE goes through (<see cref="SaeBuildJob"/>): dashboards of <see cref="Dashboards"/>'s one SAE
/// over a stored corpus, then the offline explanations, then the feature map, each step checkpointed under
/// <see cref="CheckpointDirectory"/>.
/// </summary>
public sealed record SaeBuildJobOptions
{
    /// <summary>The dashboards step: one SAE folder, the model's name in the store, the corpus and tokens.</summary>
    public required DashboardJobOptions Dashboards { get; init; }

    /// <summary>The SAE's name in the store (its folder name).</summary>
    public required string Sae { get; init; }

    public required string CheckpointDirectory { get; init; }

    /// <summary>The <c>model/sae</c> subject the chain's job record is filed under, which the SAE's page reads.</summary>
    public static string SubjectOf(string model, string sae) => $"{model}/{sae}";
}
