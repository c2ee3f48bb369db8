namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// Script-injection payloads. Each one that would run calls <c>__xss('&lt;id&gt;')</c> (or <c>alert</c>), which
/// <see cref="XssProbe"/> records; <c>javascript:</c> links do not run until clicked, so the probe also scans the DOM.
/// </summary>
public static class XssPayloads
{
    private static readonly string[] s_payloads =
    [
        // Tags and handlers.
        "<script>__xss('p0')</script>",
        "<img src=x onerror=__xss('p1')>",
        "<svg onload=__xss('p2')>",
        "<svg><script>__xss('p3')</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=__xss('p4')>",
        "<iframe srcdoc=\"<script>parent.__xss('p5')</script>\"></iframe>",
        "<details open ontoggle=__xss('p6')>x</details>",
        "<input autofocus onfocus=__xss('p7')>",
        "<body onload=__xss('p8')>",
        "<video><source onerror=__xss('p9')></video>",
        // Attribute breakouts.
        "\"><img src=x onerror=__xss('p10')>",
        "'><img src=x onerror=__xss('p11')>",
        "\" autofocus onfocus=\"__xss('p12')\" x=\"",
        "</textarea><img src=x onerror=__xss('p13')>",
        "</title><img src=x onerror=__xss('p14')>",
        "</script><script>__xss('p15')</script>",
        // URLs: Markdown links, autolinks, data: and srcset.
        "[click me](javascript:__xss('p16'))",
        "[click me](JaVaScRiPt:__xss('p17'))",
        "<javascript:__xss('p18')>",
        "[x](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MoJ3AxOScpPC9zY3JpcHQ+)",
        "![img](x\" onerror=\"__xss('p20'))",
        "[x](&#106;avascript:__xss('p21'))",
        "<a href=\"javascript:__xss('p22')\">link</a>",
        "<object data=\"data:text/html,<script>parent.__xss('p23')</script>\"></object>",
        // Style and expression.
        "<div style=\"background:url(javascript:__xss('p24'))\">x</div>",
        "<style>@import 'javascript:__xss(\"p25\")';</style><div style=\"width:expression(__xss('p25'))\">",
        // Encoded variants.
        "&lt;img src=x onerror=__xss('p26')&gt;",
        "%3Cimg%20src%3Dx%20onerror%3D__xss('p27')%3E",
        "<img src=x onerror=&#95;&#95;xss('p28')>",
        "\\u003cimg src=x onerror=__xss('p29')\\u003e",
        // Template-ish and unicode tricks.
        "{{constructor.constructor('__xss(\"p30\")')()}}",
        "${__xss('p31')}<%= __xss('p31') %>",
        "\uFF1Cimg src=x onerror=__xss('p32')\uFF1E",
        "java\u200Bscript:__xss('p33') \u202Egnp.exe <img src=x onerror=__xss('p33')>",
        "<a href=\"jav&#x09;ascript:__xss('p34')\">tab</a>",
        "<base href=\"javascript:__xss('p35')//\"><a href=\"/\">home</a>",
    ];

    public static int Count => s_payloads.Length;

    public static string Get(int id) => s_payloads[id];

    /// <summary>(id, payload) rows; the id names the payload in a failing case and picks its feature.</summary>
    public static TheoryData<int, string> All
    {
        get
        {
            var data = new TheoryData<int, string>();
            for (var i = 0; i < s_payloads.Length; i++) data.Add(i, s_payloads[i]);
            return data;
        }
    }
}
