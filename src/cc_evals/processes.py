"""How cc_evals starts worker processes (the suite's unit workers, the report's log readers)."""

from __future__ import annotations

import sys
import threading


def start_method() -> str:
    """Forked on Linux while this process has no other thread: a forked worker inherits the
    imported Inspect and cc_evals (seconds of start-up and ~50 ms of CPU per sample on a
    200-sample suite, measured in benchmarks/suite_throughput). Spawned otherwise: forking a
    threaded process can deadlock the child, and macOS frameworks are not fork-safe."""
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
