"""Print render time against input size for each hostile input (`python -m bench bench_pathological`).

Sizes double (6,250 to 100,000 characters, the body's limit); linear growth
shows as a ratio near 2 from one column to the next, quadratic as 4.
BENCH_SIZES="1000 2000" and BENCH_ONLY="open brackets" narrow the run;
BENCH_PART="render" or "grade" runs one of the two tables (render and
check, as one preview does; reading grade, `textkit.readability.measure`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def _table(title: str, work: Callable[[str], object], inputs: dict, sizes: list[int], only: str | None) -> None:
    print(f"{title:32}" + "".join(f"{s:>9,}" for s in sizes) + "   last ratio")
    for name, build in inputs.items():
        if only and name != only:
            continue
        times = []
        for size in sizes:
            text = build(size)
            started = time.process_time()
            work(text)
            times.append(time.process_time() - started)
        ratio = times[-1] / times[-2] if len(times) > 1 and times[-2] > 0.001 else float("nan")
        print(f"{name:32}" + "".join(f"{t:9.3f}" for t in times) + f"   {ratio:5.1f}", flush=True)


def main() -> None:
    """Print seconds per render (and per reading-grade measure) and the growth ratio of the last doubling."""
    from tests.textkit.pathological_inputs import PATHOLOGICAL
    from textkit.checks import check_content
    from textkit.content import ArticleContent
    from textkit.readability import measure
    from textkit.rendering import render_content

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "6250 12500 25000 50000 100000").split()]
    only = os.environ.get("BENCH_ONLY")
    part = os.environ.get("BENCH_PART", "all")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    render_content(ArticleContent(slug="w", title="w", body="warm up"))

    def render_and_check(text: str) -> None:
        content = ArticleContent(slug="b", title="b", summary="s", body=text)
        render_content(content)
        check_content(content)

    if part in {"all", "render"}:
        _table("render + check", render_and_check, PATHOLOGICAL, sizes, only)
    if part in {"all", "grade"}:
        _table("reading grade", lambda text: measure(text, label="b", slug="", target=6), PATHOLOGICAL, sizes, only)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
