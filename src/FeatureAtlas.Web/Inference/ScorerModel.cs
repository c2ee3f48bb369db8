using FeatureAtlas.Core.Explain.Llm;

namespace FeatureAtlas.Web.Inference;

/// <summary>
/// The OpenAI-compatible model that scores explanations for <c>POST /api/explanation/score</c>, when the operator
/// configured one (<see cref="AtlasWebOptions.Llm"/>); without it every score is offline.
/// </summary>
public sealed class ScorerModel(AtlasWebOptions options) : IDisposable
{
    public OpenAiCompatibleClient? Client { get; } = options.Llm is { } llm ? new OpenAiCompatibleClient(llm) : null;

    public void Dispose() => Client?.Dispose();
}
