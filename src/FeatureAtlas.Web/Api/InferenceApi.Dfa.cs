using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;

namespace FeatureAtlas.Web.Api;

public static partial class InferenceApi
{
    /// <summary>
    /// For an SAE on attn.hook_z, adds SAEDashboard's direct feature attribution at the token where the feature is
    /// largest (<see cref="AttentionPatterns.Dfa"/>) as Neuronpedia's dfaValues, dfaTargetIndex and dfaMaxValue; other
    /// SAEs are returned as they are. With ignoreBos the BOS entry is dropped, as from the values.
    /// </summary>
    private static async Task<ActivationDto> WithDfaAsync(ActivationDto dto, ModelRuntime models, string model, string session, int[] tokens, int feature,
        int maxIndex, bool dropBos, HttpContext context, CancellationToken cancellationToken)
    {
        var dfa = await models.RunAsync(model, InferenceClient.Of(context), (m, _) => HookZDfa(m, session, tokens, feature, maxIndex), cancellationToken);
        if (dfa is null) return dto;
        var values = dropBos ? dfa.Values[1..] : dfa.Values;
        return dto with { DfaValues = values, DfaTargetIndex = Math.Max(0, dfa.TargetIndex - (dropBos ? 1 : 0)), DfaMaxValue = dfa.MaxValue };
    }

    private static DirectFeatureAttribution? HookZDfa(LoadedModel m, string session, int[] tokens, int feature, int maxIndex)
    {
        var sae = m.Session.Saes.First(s => s.Name == session);
        if (!HookNames.TryParse(sae.HookName, m.Session.Model.Config.Layers, out _, out var kind) || kind != "attn.hook_z") return null;
        return AttentionPatterns.Dfa(m.Session.Model, sae, tokens, feature, maxIndex);
    }
}
