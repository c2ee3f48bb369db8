using System.Globalization;
using System.Text;

namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>Our own prompt texts after the OpenAI and Delphi methods (paraphrased, autointerp-evals.md §1–2), and their formatting rules.</summary>
internal static class LlmPrompts
{
    public const string ExplanationPrefix = "the main thing this neuron does is find";

    public const string OpenAiSystem =
        "We're studying neurons in a neural network. Each neuron looks for some particular thing in a short document. " +
        "Look at the parts of the document the neuron activates for and summarize in a single sentence what the neuron is looking for. " +
        "Don't list examples of words.\n\nThe activation format is token<tab>activation. Activation values range from 0 to 10. " +
        "A neuron finding what it's looking for is represented by a non-zero activation value. The higher the activation value, the stronger the match.";

    public const string DelphiSystem =
        "You are a meticulous AI researcher investigating a specific latent of a language model. You will see text examples " +
        "where the latent fires; the tokens where it fires are between delimiters like <<this>>, and after each example the " +
        "activating tokens are listed with their activation strength from 0 to 10. Describe in a concise phrase what the " +
        "latent detects, without listing the examples. End your answer with a final line of the form\n[EXPLANATION]: <your explanation>";

    public const string MaxActLogitsSystem =
        "You are explaining a latent of a language model. You will see the texts where it fires most strongly, with the token of " +
        "its strongest activation between delimiters like <<this>> and the token that came right after it, and the tokens whose " +
        "output probability the latent raises most (its top positive logits). If those logits share a clear theme, the latent " +
        "most likely says (predicts) it: say so, e.g. 'says \"York\" after \"New\"'. Otherwise describe what it fires on. " +
        "Be concise: a few words, no lists of examples. End your answer with a final line of the form\n[EXPLANATION]: <your explanation>";

    public const string ClassifierSystem =
        "You are an intelligent and meticulous linguistics researcher. You will be given an explanation of a latent of a language " +
        "model and some text examples. For each example, decide whether it {0}. Answer with a Python list of 0s and 1s, one per " +
        "example in order (1 = yes), and nothing else, e.g. [1, 0, 0, 1, 0].";

    public const string DetectionQuestion = "contains text the latent would fire on, according to the explanation";

    public const string FuzzingQuestion = "has the right tokens highlighted between << and >>: 1 if every highlighted token matches the explanation, 0 otherwise";

    public const string SimulatorSystem =
        "We're studying neurons in a neural network. Given an explanation of what a neuron looks for and a list of tokens, predict " +
        "the neuron's activation on each token as an integer from 0 (no activation) to 10 (strongest). Reply with one integer per " +
        "line, one line per token, in order, and nothing else.";

    /// <summary>OpenAI's normalisation: n = min(10, floor(10·max(a, 0)/m)), m the largest value shown.</summary>
    public static int Scaled(float a, float max) => max <= 0 ? 0 : Math.Min(10, (int)Math.Floor(10.0 * Math.Max(a, 0) / max));

    public static string OpenAiUser(IReadOnlyList<ActivationRecord> records, Func<int, string> tokenText)
    {
        var max = records.Count == 0 ? 0 : records.Max(r => r.Max);
        var sb = new StringBuilder("Neuron 1\nActivations:\n");
        int nonzero = 0, total = 0;
        foreach (var r in records)
        {
            sb.Append("<start>\n");
            for (var t = 0; t < r.Tokens.Length; t++)
            {
                var n = Scaled(r.Activations[t], max);
                sb.Append(tokenText(r.Tokens[t])).Append('\t').Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n');
                total++;
                if (n > 0) nonzero++;
            }
            sb.Append("<end>\n");
        }
        if (total > 0 && nonzero < 0.2 * total)
        {
            sb.Append("\nSame activations, but with all zeros filtered out:\n");
            foreach (var r in records)
            {
                sb.Append("<start>\n");
                for (var t = 0; t < r.Tokens.Length; t++)
                {
                    var n = Scaled(r.Activations[t], max);
                    if (n > 0) sb.Append(tokenText(r.Tokens[t])).Append('\t').Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                sb.Append("<end>\n");
            }
        }
        sb.Append("\nExplanation of neuron 1 behavior: ").Append(ExplanationPrefix);
        return sb.ToString();
    }

    public static string DelphiUser(IReadOnlyList<ActivationRecord> records, Func<int, string> tokenText)
    {
        var max = records.Count == 0 ? 0 : records.Max(r => r.Max);
        var sb = new StringBuilder();
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            sb.Append("Example ").Append(i + 1).Append(": ").Append(Highlight(r, tokenText, Active(r))).Append('\n');
            var pairs = Enumerable.Range(0, r.Tokens.Length).Where(t => r.Activations[t] > 0).OrderByDescending(t => r.Activations[t]).Take(10)
                .Select(t => $"({tokenText(r.Tokens[t])}, {Scaled(r.Activations[t], max)})");
            sb.Append("Activations: ").Append(string.Join(", ", pairs)).Append("\n\n");
        }
        return sb.ToString();
    }

    public static string MaxActLogitsUser(IReadOnlyList<ActivationRecord> records, IReadOnlyList<int> positiveLogits, Func<int, string> tokenText)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            var peak = Array.IndexOf(r.Activations, r.Max);
            var marked = new bool[r.Tokens.Length];
            if (peak >= 0) marked[peak] = true;
            sb.Append("Example ").Append(i + 1).Append(": ").Append(Highlight(r, tokenText, marked)).Append('\n');
            sb.Append("Next token: ").Append(peak + 1 < r.Tokens.Length ? tokenText(r.Tokens[peak + 1]) : "(end of text)").Append("\n\n");
        }
        sb.Append("Top positive logits: ").Append(positiveLogits.Count == 0 ? "(none)" : string.Join(", ", positiveLogits.Select(t => $"\"{tokenText(t)}\""))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Delphi's highlight rule: tokens at or above 0.3 of the window's own maximum.</summary>
    public static bool[] Active(ActivationRecord r)
    {
        var max = r.Max;
        return r.Activations.Select(a => max > 0 && a >= 0.3f * max).ToArray();
    }

    public static string Highlight(ActivationRecord r, Func<int, string> tokenText, bool[] marked)
    {
        var sb = new StringBuilder();
        for (var t = 0; t < r.Tokens.Length; t++)
        {
            var open = marked[t] && (t == 0 || !marked[t - 1]);
            var close = marked[t] && (t == r.Tokens.Length - 1 || !marked[t + 1]);
            if (open) sb.Append("<<");
            sb.Append(tokenText(r.Tokens[t]));
            if (close) sb.Append(">>");
        }
        return sb.ToString();
    }

    public static string Plain(ActivationRecord r, Func<int, string> tokenText) => string.Concat(r.Tokens.Select(tokenText));

    /// <summary>The explanation from a Delphi reply: the text after the last [EXPLANATION]: tag, else the last non-empty line.</summary>
    public static string ParseDelphi(string reply)
    {
        const string tag = "[EXPLANATION]:";
        var at = reply.LastIndexOf(tag, StringComparison.OrdinalIgnoreCase);
        var text = at >= 0 ? reply[(at + tag.Length)..] : reply.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return Clean(text.Split('\n')[0]);
    }

    /// <summary>The explanation from an OpenAI-style completion of the sentence-starter.</summary>
    public static string ParseOpenAi(string reply) => Clean(reply.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "");

    private static string Clean(string text) => text.Trim().TrimEnd('.').Trim();
}
