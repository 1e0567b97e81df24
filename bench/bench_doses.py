"""Print the dose parser's precision/recall on the phrasing table and its parse time per article.

`python -m bench bench_doses` (also part of `make bench`). The tables are
tests/evidence/dose_phrasings.json and, read as Spanish,
tests/evidence/dose_phrasings_es.json; "found" counts a statement with the right
drug, amount and unit, "exact" also every other field (see
tests/evidence/dose_phrasings.py). Parse times are process-CPU medians of
BENCH_DOSE_ROUNDS (default 20) runs over every audience's summary and body of
each demo article, and over a body-sized (100,000 character) article made of
the table's sentences; "ms/check" is parse plus the comparison with the
sample valganciclovir label (tests/evidence/samples), without the one query
that loads the labels.
"""

from __future__ import annotations

import os
import statistics
import time


def _median_ms(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def main() -> None:
    """Print the scores, then milliseconds per article parse."""
    from demo import texts as demo
    from evidence.dosing.parser import parse_doses
    from tests.evidence.dose_phrasings import SPANISH_TABLE, load, score

    table = load()
    for each in (table, load(SPANISH_TABLE)):
        cases = each["cases"]
        language = each.get("language", "en")
        print(f"phrasing table ({language}): {len(cases)} cases, {sum(len(c['doses']) for c in cases)} statements")
        print(f"{'score':10}{'precision':>11}{'recall':>9}{'misses':>8}")
        for name, exact in (("found", False), ("exact", True)):
            result, misses = score(each, exact=exact)
            print(f"{name:10}{result.precision:11.3f}{result.recall:9.3f}{len(misses):8}")

    rounds = int(os.environ.get("BENCH_DOSE_ROUNDS", "20"))
    articles = []
    for spec in demo.DEMO_ARTICLES:
        texts = [spec.summary, spec.body] + [part for pair in spec.variants.values() for part in pair]
        drugs = [d.strip() for d in spec.drugs.split(",") if d.strip()]
        articles.append((spec.slug, "\n\n".join(texts), drugs))
    big = "\n\n".join(case["text"] for case in table["cases"])
    big = (big * (100_000 // len(big) + 1))[:100_000]
    articles.append(("table sentences, 100 KB", big, table["drugs"]))
    from pathlib import Path

    from evidence.dosing.compare import LabelDoses, check_statements
    from evidence.dosing.label import parse_label

    sample = Path(__file__).resolve().parents[1] / "tests/evidence/samples/spl_valganciclovir_v1.xml"
    label = parse_label(sample.read_bytes())
    labels = {drug: LabelDoses(label.set_id, label.version, label.drugs, label.statements) for drug in label.drugs}

    def check(text: str, drugs: list[str]) -> None:
        check_statements(parse_doses(text, drugs).statements, labels)

    print(f"{'article':32}{'chars':>9}{'statements':>12}{'ms/parse':>10}{'ms/check':>10}")
    for name, text, drugs in articles:
        count = len(parse_doses(text, drugs).statements)
        ms = _median_ms(lambda text=text, drugs=drugs: parse_doses(text, drugs), rounds)
        checked = _median_ms(lambda text=text, drugs=drugs: check(text, drugs), rounds)
        print(f"{name:32}{len(text):9,}{count:12}{ms:10.2f}{checked:10.2f}", flush=True)
