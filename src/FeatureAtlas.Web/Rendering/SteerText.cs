using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A steering output as the page shows it: the prompt (muted), then each generated token as a focusable span carrying
/// its top alternatives (hover or focus shows them; <c>title</c> too, without script). The same markup as steer.js
/// draws after a run. No white space between spans: the box keeps the text's own (pre-wrap).
/// </summary>
public static class SteerText
{
    public static IHtmlContent Render(string prompt, string text, IReadOnlyList<LogprobDto>? logprobs)
    {
        var encoder = HtmlEncoder.Default;
        var head = text.StartsWith(prompt, StringComparison.Ordinal) ? prompt : "";
        var sb = new StringBuilder();
        sb.Append("<span class=\"prompt\">").Append(encoder.Encode(head)).Append("</span>");
        if (logprobs is null)
        {
            sb.Append(encoder.Encode(text[head.Length..]));
            return new HtmlString(sb.ToString());
        }
        foreach (var t in logprobs)
        {
            var title = string.Join("\n", t.TopLogprobs.Select(c => $"{c.Token.Replace("\n", "↵", StringComparison.Ordinal)}  {Format(c.Logprob)}"));
            sb.Append("<span class=\"gen\" tabindex=\"0\" data-logprob=\"").Append(encoder.Encode(Format(t.Logprob)))
                .Append("\" title=\"").Append(encoder.Encode(title))
                .Append("\" data-top=\"").Append(encoder.Encode(JsonSerializer.Serialize(t.TopLogprobs, Steering.SteerService.Json)))
                .Append("\">").Append(encoder.Encode(t.Token)).Append("</span>");
        }
        return new HtmlString(sb.ToString());
    }

    private static string Format(float? v) => v is { } x ? x.ToString("0.###", CultureInfo.InvariantCulture) : "−∞";
}
