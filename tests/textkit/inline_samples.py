"""Ordinary inline Markdown whose HTML was frozen from Python-Markdown's own inline processor.

`samples/inline_expected.json` maps each sample to the body HTML that
`render_content` gave before the linear inline pass replaced Python-Markdown's
(regenerate it only on purpose: `python -m tests.textkit.inline_samples`).
"""

from __future__ import annotations

import json
from pathlib import Path

EXPECTED_PATH = Path(__file__).resolve().parent / "samples" / "inline_expected.json"

SAMPLES: tuple[str, ...] = (
    "Plain words, nothing else.",
    "Take *one* tablet.",
    "Take **two** tablets.",
    "Take ***three*** tablets.",
    "Take _one_ tablet and __two__ more.",
    "*em with **strong** inside* and after.",
    "**strong with *em* inside** and after.",
    "***both** then em*",
    "***both* then strong**",
    "*a* *b* *c* **d** **e**",
    "snake_case_name stays as it is, so does 2*3*4.",
    "A lone * star and a lone _ underscore.",
    "**unclosed strong and *unclosed em",
    "*a **b** c*",
    "__a *b* c__",
    "*a*b*c*",
    "**a**b**",
    "\\*not em\\* and \\_not em\\_",
    "A backslash \\\\ and two \\\\\\\\ and an escaped \\` tick.",
    "\\\\*em after an escaped backslash*",
    "Use `code` here and ``code with ` tick`` there.",
    "`*not em*` and `**not strong**`",
    "\\\\`code after escaped backslash`",
    "A `` ` `` single tick in code.",
    "Unclosed `tick and *em*.",
    "[*em link*](http://e.org/a) and [**strong link**](http://e.org/b)",
    "*[link in em](http://e.org/c)* and **[in strong](http://e.org/d)**",
    "[a `code` link](http://e.org/e) [`x`](http://e.org/f)",
    "![an *image*](http://e.org/i.png)",
    "<http://e.org/auto> and <someone@e.org>",
    "Entities: &amp; &copy; &#169; &#xA9; and a bare & sign.",
    "Less than < and a <b>tag</b> typed as text.",
    "Line one  \nline two after a hard break.",
    "*em across\nlines*",
    "Cited [@a] and *cited in em [@a]* and **[@a; @b]**.",
    "Escaped \\[@a] is not a citation; `[@a]` neither.",
    "Strong evidence {grade=A} and *em {grade=B}*.",
    "_em_, __strong__, and ___both___ with underscores.",
    "Mid*word*emphasis and mid__word__strong.",
    "* not a list item because it is inline: a * b * c",
    "**a** **b** *c* _d_ `e` \\* &amp; [f](http://e.org/g)",
    "Nested: *a _b **c** d_ e*",
    'Emphasis with punctuation: *a*, *b*. (*c*) "*d*"',
    "[ref link][r] and [r]\n\n[r]: http://e.org/r",
    "***\n\n*after a rule*",
    "- *item one*\n- **item two** with `code`\n- [link](http://e.org/l)",
    "> *quoted em* and **quoted strong**",
    "| *a* | **b** |\n|---|---|\n| `c` | [d](http://e.org/t) |",
    "## Heading with *em* and `code`\n\nText.",
)


def render_sample(text: str) -> str:
    """Return the body HTML the renderer gives for one sample (references a and b known)."""
    from textkit.content import ArticleContent, ReferenceContent
    from textkit.rendering import render_content

    content = ArticleContent(
        slug="x",
        title="x",
        body=text,
        references=(
            ReferenceContent(key="a", kind="research", title="A"),
            ReferenceContent(key="b", kind="research", title="B"),
        ),
    )
    return render_content(content).body_html


def expected() -> dict[str, str]:
    return json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))


if __name__ == "__main__":  # pragma: no cover - regenerates the frozen file on purpose
    import django

    django.setup()
    frozen = {text: render_sample(text) for text in SAMPLES}
    EXPECTED_PATH.write_text(json.dumps(frozen, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(frozen)} samples to {EXPECTED_PATH}")
