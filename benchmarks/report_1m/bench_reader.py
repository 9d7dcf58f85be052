"""Reading cost of `cc-evals report`: Inspect's reader vs the direct zip reader, cold and warm.

Run after make_logs.py (any number of logs; the last one is held back and added for the warm
run). In one process, on the same logs, one reader process each (CPU time is this process's):

1. Inspect's reader (``read_eval_log`` header + ``read_eval_log_sample_summaries``), no cache;
2. the direct reader (header.json / summaries.json straight from the zip), no cache, then with
   a cold cache (which it writes);
3. the direct reader after adding one log (warm: the cache holds every other log);
and asserts that all three give the same table. Then (unless ``--readers-only``) the whole
`cc-evals report` command in this process (2 reader processes), cold and warm after adding one
log; ``bench.sh`` times the command as a user runs it. ``--logs N`` uses the first N logs.

    .venv/bin/python benchmarks/report_1m/bench_reader.py [LOGDIR] [--logs N] [--readers-only]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from cc_evals.cli import main
from cc_evals.families import registered_tasks
from cc_evals.results import load_results
from cc_evals.row_cache import CACHE_DIR


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:52} wall {wall:7.2f} s   CPU {cpu:7.2f} s", flush=True)
    return out, wall, cpu


def run(source: Path, n_logs: int | None = None, readers_only: bool = False) -> None:
    logs = sorted(source.glob("*.eval"))[:n_logs]
    assert len(logs) >= 2, f"run make_logs.py first: {len(logs)} logs in {source}"
    work = Path(tempfile.mkdtemp(prefix="bench_reader_"))
    held = work / "held"
    folder = work / "logs"
    held.mkdir()
    folder.mkdir()
    for log in logs[:-1]:
        os.link(log, folder / log.name) if _same_fs(log, folder) else shutil.copy(log, folder)
    shutil.copy(logs[-1], held / logs[-1].name)
    seeds = source / "seeds.yaml"
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()}; {len(logs) - 1} logs + 1")

    def read(**kw):  # type: ignore[no-untyped-def]
        return lambda: load_results([folder], workers=1, **kw)

    timed("(once: import the task registry, for the foreign check)", registered_tasks)
    old, _, old_cpu = timed("Inspect reader, no cache", read(cache=False, direct=False))
    _, _, direct_cpu = timed("direct reader, no cache", read(cache=False))
    cold, _, cold_cpu = timed("direct reader, cold cache (writes it)", read(cache=True))
    shutil.copy(held / logs[-1].name, folder / logs[-1].name)
    warm, _, warm_cpu = timed("direct reader, warm cache + 1 new log", read(cache=True))
    assert warm.read_logs == 1, warm.read_logs
    both = load_results([folder], workers=1, cache=False, direct=False)
    pd.testing.assert_frame_equal(warm.table, both.table)
    pd.testing.assert_frame_equal(cold.table, old.table)  # same rows, same order, same dtypes
    n = len(old.table)
    print(f"rows {n:,} (+{len(warm.table) - n:,}); all readers give the same table")
    print(f"CPU ratio Inspect reader / direct reader, no cache: {old_cpu / direct_cpu:.1f}x")
    print(f"CPU ratio Inspect reader / direct reader, cold: {old_cpu / cold_cpu:.1f}x")
    print(f"CPU ratio Inspect reader / warm (1 new log):   {old_cpu / warm_cpu:.1f}x")
    if readers_only:
        shutil.rmtree(work)
        return

    # the whole command, as a user runs it (2 reader processes)
    os.remove(folder / logs[-1].name)
    shutil.rmtree(folder / CACHE_DIR)
    out = work / "report"
    args = ["report", str(folder), "--by", "group,condition", "--out", str(out)]
    if seeds.is_file():
        args += ["--seeds", str(seeds)]
    timed("cc-evals report, cold cache", lambda: main(args))
    shutil.copy(held / logs[-1].name, folder / logs[-1].name)
    timed("cc-evals report, warm cache + 1 new log", lambda: main(args))
    timed("cc-evals report --no-cache (reads every log)", lambda: main([*args, "--no-cache"]))
    shutil.rmtree(work)


def _same_fs(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logdir", nargs="?", default=str(Path(__file__).parent / "logs"))
    parser.add_argument("--logs", type=int, default=None, help="use the first N logs")
    parser.add_argument("--readers-only", action="store_true", help="skip the whole command")
    args = parser.parse_args()
    run(Path(args.logdir), args.logs, args.readers_only)
