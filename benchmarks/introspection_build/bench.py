"""Time building the default introspection dataset (every task x property, 200 questions each).

Was a timed unit test (< 1.0 s); timings belong here, with figures in README.md.

    .venv/bin/python benchmarks/introspection_build/bench.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from cc_evals.introspection.items import generate_items, load_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times: list[float] = []
    for _ in range(args.repeats):
        load_spec.cache_clear()  # include reading and checking the data files
        start = time.perf_counter()
        items = generate_items()
        times.append(time.perf_counter() - start)
    print(
        f"{len(items)} items; build time median {statistics.median(times):.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s over {args.repeats} runs"
    )


if __name__ == "__main__":
    main()
