namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>Which prompt an <see cref="LlmExplainer"/> uses (autointerp-evals.md §1.1, §2.2).</summary>
public enum LlmExplainerStyle
{
    /// <summary>OpenAI's: top records as token&lt;TAB&gt;0–10 lines, completed after a fixed sentence-starter.</summary>
    OpenAi,

    /// <summary>Delphi's default: texts with &lt;&lt;highlighted&gt;&gt; tokens and (token, 0–10) pairs, answered on an [EXPLANATION]: line.</summary>
    Delphi,

    /// <summary>Neuronpedia's np_max-act-logits: highlighted top texts, the token after each peak and the top positive logits, answered in a few words.</summary>
    MaxActLogits,
}
