"""Time the judge-reply parsers on long hostile replies, to show they scale linearly.

Usage: ``python benchmarks/judge_parsers/bench.py [--lines 10000 20000 40000]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from cc_evals.collaborative_edit import parse_categories
from cc_evals.emergent_misalignment.scoring import text_score
from cc_evals.introspection.properties import is_even
from cc_evals.judge import parse_fields

SCHEMA = {"verdict": ["yes", "no", "unclear"], "coherence": (0, 100)}


def cases(lines: int) -> dict[str, Callable[[], object]]:
    half = lines // 2  # a reply of `lines` lines, its two fields far apart
    blank = "\n" * half + "verdict: no\n" + " \n" * half + "coherence: 7"
    dots = "verdict: " + "." * (lines * 10) + "x\ncoherence: 7"  # one line of 10 x lines chars
    return {
        "parse_fields, blank lines": lambda: parse_fields(blank, SCHEMA),
        "parse_fields, one long line": lambda: parse_fields(dots, SCHEMA),
        "parse_categories, blank lines": lambda: parse_categories(blank, ["none"]),
        "EM text_score, 10 x lines digits": lambda: text_score("9" * lines * 10),
        "is_even, 10 x lines digits": lambda: is_even("7" * lines * 10),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    args = parser.parse_args()
    print(f"{'case':32} " + " ".join(f"{n:>10}" for n in args.lines))
    names = list(cases(1))
    for name in names:
        row = []
        for n in args.lines:
            fn = cases(n)[name]
            start = time.perf_counter()
            fn()
            row.append(time.perf_counter() - start)
        print(f"{name:32} " + " ".join(f"{t * 1000:>8.1f}ms" for t in row))


if __name__ == "__main__":
    main()
