namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>Explains a feature from its train split's activating windows through a chat model (temperature 0).</summary>
public sealed class LlmExplainer(OpenAiCompatibleClient client, Func<int, string> tokenText, int maxExamples = 10)
{
    public static string MethodName(LlmExplainerStyle style) => style switch
    {
        LlmExplainerStyle.OpenAi => "oai_token-act-pair",
        LlmExplainerStyle.MaxActLogits => "np_max-act-logits",
        _ => "eleuther_default",
    };

    /// <summary>The explanation text; an empty reply is an <see cref="LlmException"/>.</summary>
    /// <remarks>The feature's top positive logit tokens go in <c>positiveLogits</c>; only <see cref="LlmExplainerStyle.MaxActLogits"/> shows them.</remarks>
    public async Task<string> ExplainAsync(IReadOnlyList<ActivationRecord> train, LlmExplainerStyle style, CancellationToken cancellationToken, IReadOnlyList<int>? positiveLogits = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var shown = train.Where(r => r.Kind != ExampleKind.Random && r.IsActivating).OrderByDescending(r => r.Max).Take(maxExamples).ToArray();
        if (shown.Length == 0) throw new ArgumentException("No activating train windows to explain from.", nameof(train));
        var request = style switch
        {
            LlmExplainerStyle.OpenAi => new ChatRequest([ChatMessage.System(LlmPrompts.OpenAiSystem), ChatMessage.User(LlmPrompts.OpenAiUser(shown, tokenText))], MaxTokens: 60),
            LlmExplainerStyle.MaxActLogits => new ChatRequest([ChatMessage.System(LlmPrompts.MaxActLogitsSystem), ChatMessage.User(LlmPrompts.MaxActLogitsUser(shown, positiveLogits ?? [], tokenText))], MaxTokens: 256),
            _ => new ChatRequest([ChatMessage.System(LlmPrompts.DelphiSystem), ChatMessage.User(LlmPrompts.DelphiUser(shown, tokenText))], MaxTokens: 256),
        };
        var reply = await client.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        var text = style == LlmExplainerStyle.OpenAi ? LlmPrompts.ParseOpenAi(reply.Content) : LlmPrompts.ParseDelphi(reply.Content);
        if (text.Length == 0) throw new LlmException($"The explainer model replied without an explanation: '{reply.Content.Trim()}'.");
        return text;
    }
}
