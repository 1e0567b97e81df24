"""Hostile Markdown inputs for the renderer: shared by the test corpus and the benchmark.

Each entry builds a text of about `size` characters. The first group comes
from the issue that found Python-Markdown's quadratic corners ("[" * 10_000
took 36 s); the rest are the other shapes that make Markdown parsers slow:
unclosed or deeply nested brackets, emphasis, backticks, "<" runs, long
lines, deep lists and quotes, many headings, citations and table rows.
"""

from __future__ import annotations

from collections.abc import Callable

PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    # From the issue.
    "open brackets": lambda n: "[" * n,
    "unclosed links": lambda n: "[a](" * (n // 4),
    "same heading repeated": lambda n: "## Same\n\n" * (n // 9),
    "unknown citations": lambda n: "".join(f"[@unknown{i}] " for i in range(n // 14)),
    "long table": lambda n: "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * (n // 10),
    # Brackets and links.
    "open image brackets": lambda n: "![" * (n // 2),
    "bracket then paren": lambda n: "[(" * (n // 2),
    "balanced brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "nested link text": lambda n: "[" * (n // 10) + "a" + "](b)" * (n // 10),
    "open parens in a link": lambda n: "[a](" + "(" * n,
    "many links": lambda n: "[a](http://e.org/) " * (n // 19),
    "reference lookups": lambda n: "[a][b]" * (n // 6),
    "open citations": lambda n: "[@a" * (n // 3),
    "one huge citation group": lambda n: "[" + "; ".join(f"@k{i}" for i in range(n // 8)) + "]",
    # Inline delimiters.
    "backticks": lambda n: "`" * n,
    "backtick pairs": lambda n: "`a``" * (n // 4),
    "nested emphasis": lambda n: "*_" * (n // 4) + "a" + "_*" * (n // 4),
    "emphasis run": lambda n: "*" * (n // 2) + "a" + "*" * (n // 2),
    "flat emphasis": lambda n: "*a* " * (n // 4),
    "underscores": lambda n: "_" * n,
    "less-than run": lambda n: "<" * n,
    "open tags": lambda n: "<a" * (n // 2),
    "open autolinks": lambda n: "<http://a" * (n // 9),
    "open comments": lambda n: "<!--" * (n // 4),
    "ampersands": lambda n: "&#" * (n // 2),
    "backslashes": lambda n: "\\" * n,
    # One paragraph with many inline matches (Python-Markdown copied it after each one).
    "strong openers": lambda n: "**a" * (n // 3),
    "emphasis openers": lambda n: "*a" * (n // 2),
    "escaped stars": lambda n: "\\*" * (n // 2),
    "entities": lambda n: "&amp;" * (n // 5),
    "code spans": lambda n: "`a` " * (n // 4),
    "mixed inline": lambda n: "*a* **b** `c` \\* &amp; " * (n // 24),
    "one long line": lambda n: "word " * (n // 5),
    # Blocks.
    "hash headings": lambda n: "# a\n" * (n // 4),
    "setext headings": lambda n: "a\n=\n" * (n // 4),
    "rules": lambda n: "***\n" * (n // 4),
    "deep list by indentation": lambda n: "".join("  " * i + "- a\n" for i in range(int((n / 2) ** 0.5))),
    "list markers on one line": lambda n: "- " * (n // 2) + "a",
    "ordered markers on one line": lambda n: "1. " * (n // 3) + "a",
    "deep quote": lambda n: ">" * n + " a",
    "deep quote with spaces": lambda n: "> " * (n // 2) + "a",
    "quote and list markers": lambda n: "> - " * (n // 4) + "a",
    "many list items": lambda n: "- a\n" * (n // 4),
    "wide table": lambda n: "|" + "a|" * (n // 4) + "\n|" + "-|" * (n // 4) + "\n",
    # Dose markers (textkit.dosemarks).
    "open dose tags": lambda n: "{dose " * (n // 6),
    "dose tag without its brace": lambda n: "{dose drug=" + "a" * n,
    "many dose markers": lambda n: "{dose drug=x}5 mg{/dose} " * (n // 25),
}
