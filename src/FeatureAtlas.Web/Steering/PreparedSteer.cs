using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Steering;

/// <summary>
/// A checked steering request, ready to run: the prompt's tokens, the generation options, a way to build the steering
/// plan on the loaded model, and the normalised settings (<see cref="Settings"/>, also as <see cref="SettingsJson"/>)
/// whose hash with the engine version is the run's identity (<see cref="Id"/>).
/// </summary>
public sealed record PreparedSteer(
    string Model,
    int[] PromptTokens,
    GenerationOptions Options,
    Func<LoadedModel, SteeringPlan> Plan,
    SteerRequest Settings,
    string SettingsJson,
    string Hash)
{
    /// <summary>The share id: the first 20 hex digits (80 bits) of <see cref="Hash"/>.</summary>
    public string Id => Hash[..20];
}
