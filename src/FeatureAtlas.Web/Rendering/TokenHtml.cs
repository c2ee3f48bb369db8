using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// An example's tokens as HTML, shaded by activation (value / <c>scale</c>), the value on hover. Context around the
/// highlighted token shows; the rest sits in hidden <c>.far</c> runs until "show full context". Written directly, with
/// no whitespace between tokens (they carry their own spaces) and bare spans for inactive tokens, since a feature page
/// holds 45 windows of 128 tokens.
/// </summary>
public static class TokenHtml
{
    public const int Before = 32;
    public const int After = 8;

    public static IHtmlContent Render(ExampleView example, float scale)
    {
        ArgumentNullException.ThrowIfNull(example);
        var from = Math.Max(0, example.MaxValueTokenIndex - Before);
        var to = Math.Min(example.Tokens.Length - 1, example.MaxValueTokenIndex + After);
        var sb = new StringBuilder(64 + example.Tokens.Length * 24);
        sb.Append("<div class=\"tokens\" data-max=\"").Append(ViewHelpers.Value(example.MaxValue)).Append("\"><span class=\"ex-max\" title=\"max activation\">")
            .Append(ViewHelpers.Value(example.MaxValue)).Append("</span>");
        if (from > 0) Run(sb, example, 0, from, scale, far: true);
        Run(sb, example, from, to + 1, scale, far: false);
        if (to < example.Tokens.Length - 1) Run(sb, example, to + 1, example.Tokens.Length, scale, far: true);
        sb.Append("</div>");
        return new HtmlString(sb.ToString());
    }

    private static void Run(StringBuilder sb, ExampleView e, int start, int end, float scale, bool far)
    {
        if (far) sb.Append("<span class=\"far\">");
        var encoder = HtmlEncoder.Default;
        for (var i = start; i < end; i++)
        {
            var v = e.Values[i];
            var text = encoder.Encode(ViewHelpers.Visible(e.Tokens[i]));
            if (v > 0)
            {
                sb.Append(i == e.MaxValueTokenIndex ? "<span class=\"tok on peak\" style=\"" : "<span class=\"tok on\" style=\"")
                    .Append(ViewHelpers.ActivationStyle(v, scale)).Append("\" title=\"").Append(ViewHelpers.Value(v)).Append("\">")
                    .Append(text).Append("</span>");
            }
            else
            {
                sb.Append("<span class=\"tok\">").Append(text).Append("</span>");
            }
        }
        if (far) sb.Append("</span>");
    }
}
