"""Print render time against input size for each hostile input (`python -m bench bench_pathological`).

Sizes double (6,250 to 100,000 characters, the body's limit); linear growth
shows as a ratio near 2 from one column to the next, quadratic as 4.
BENCH_SIZES="1000 2000" and BENCH_ONLY="open brackets" narrow the run.
"""

from __future__ import annotations

import os
import time


def main() -> None:
    """Print seconds per render and the growth ratio of the last doubling, per input."""
    from articles.checks import check_content
    from articles.content import ArticleContent
    from articles.rendering import render_content
    from tests.articles.pathological_inputs import PATHOLOGICAL

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "6250 12500 25000 50000 100000").split()]
    only = os.environ.get("BENCH_ONLY")
    render_content(ArticleContent(slug="w", title="w", body="warm up"))
    print(f"{'input':32}" + "".join(f"{s:>9,}" for s in sizes) + "   last ratio")
    for name, build in PATHOLOGICAL.items():
        if only and name != only:
            continue
        times = []
        for size in sizes:
            content = ArticleContent(slug="b", title="b", summary="s", body=build(size))
            started = time.process_time()
            render_content(content)
            check_content(content)
            times.append(time.process_time() - started)
        ratio = times[-1] / times[-2] if len(times) > 1 and times[-2] > 0.001 else float("nan")
        print(f"{name:32}" + "".join(f"{t:9.3f}" for t in times) + f"   {ratio:5.1f}")
