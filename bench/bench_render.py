"""Render a long article many times and print articles per second (`python -m bench bench_render`).

The article has 30 sections of bullets and a table, 120 references and
citation groups on every line, roughly the size of the longest reader page.
Rendering is pure, so no database is needed.
"""

from __future__ import annotations

import os
import time


def long_article(sections: int = 30, references: int = 120):
    """Return an ArticleContent of the given size."""
    from textkit.content import ArticleContent, ReferenceContent

    refs = tuple(
        ReferenceContent(
            key=f"ref{i}",
            kind=("guideline", "research", "review", "fda_label")[i % 4],
            title=f"Study number {i} of antiviral treatment for cytomegalovirus infection",
            authors="Author A, Author B, Author C",
            source="Journal of Benchmarks",
            year=2000 + i % 25,
            pmid=str(10_000_000 + i),
            doi=f"10.5555/bench.{i}",
        )
        for i in range(references)
    )
    parts = []
    for s in range(sections):
        parts.append(f"## Section {s}: treatment step\n")
        for line in range(8):
            a, b, c = (s * 8 + line) % references, (s * 8 + line + 1) % references, (s * 3 + line) % references
            parts.append(
                f"- Ganciclovir **5 mg/kg** IV every 12 hours, then *valganciclovir* 900 mg twice daily "
                f"[@ref{a}; @ref{b}; @ref{c}]. See [guidance](https://example.org/{s}/{line})."
            )
        parts.append("\n| Drug | Dose | Duration |\n|:--|--:|:-:|\n| Ganciclovir | 5 mg/kg | 14–21 days [@ref1] |\n")
    return ArticleContent(
        slug="bench",
        title="Benchmark article",
        summary="The usual first treatment is ganciclovir or valganciclovir [@ref0; @ref1].",
        body="\n".join(parts),
        references=refs,
    )


def main() -> None:
    """Print how many long articles render per second, and the size of one."""
    from textkit.checks import check_content
    from textkit.rendering import render_content

    runs = int(os.environ.get("BENCH_RUNS", "50"))
    content = long_article()
    render_content(content)  # warm up: builds the thread's Markdown converters
    started = time.perf_counter()
    for _ in range(runs):
        rendered = render_content(content)
    elapsed = time.perf_counter() - started
    size = len(rendered.summary_html) + len(rendered.body_html) + len(rendered.references_html)
    print(f"render_content: {runs} renders of a {len(content.body) // 1024} KB body in {elapsed:.2f} s")
    print(f"  {runs / elapsed:.1f} articles/second, {elapsed / runs * 1000:.1f} ms each, {size // 1024} KB of HTML")
    started = time.perf_counter()
    for _ in range(runs):
        check_content(content)
    elapsed = time.perf_counter() - started
    print(f"check_content: {runs / elapsed:.1f} articles/second, {elapsed / runs * 1000:.1f} ms each")


if __name__ == "__main__":
    from bench.__main__ import main as run_all

    run_all()
