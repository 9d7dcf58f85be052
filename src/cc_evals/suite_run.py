"""Running a suite: its units, their log folders, worker processes, shards and re-judging.

A suite expands into *units*, one per (task, condition, model) and (external eval, model), in a
fixed order. Each unit is an ordinary Inspect ``eval_set`` in its own folder under the suite's log
directory, named from the unit's content (task, args, condition, model), so:

- re-running the same command resumes every unit (eval_set skips finished work), whatever the
  number of workers or shards used before;
- ``--workers N`` runs the units in N processes; ``--shard i/N`` runs units i, i+N, i+2N, ...
  (1-based) and any set of shards writing to one log directory (a local folder or any fsspec
  location) makes up exactly the unsharded suite;
- before a finished unit is skipped, samples its judge could not be reached for (score
  ``grader_failed`` with "judge call failed") are re-judged from the log, without calling the
  target again (``inspect_ai.score``), and the log is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cc_evals.processes import start_method

TASK_PREFIX = "cc_evals/"


@dataclass(frozen=True)
class Unit:
    """One eval of the suite: a task (or external eval) under a condition, for one model."""

    task: str
    args: dict[str, Any]
    condition: str | None
    model: str
    external: bool = False

    def key(self) -> str:
        """The unit's folder name: readable, and a hash of everything that defines it."""
        ident = json.dumps(
            [self.task, self.args, self.condition, self.model, self.external],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(ident.encode()).hexdigest()[:10]
        short = self.task.removeprefix(TASK_PREFIX).replace("/", "_")
        model = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model).strip("_")[-60:]
        return f"{short}-{self.condition or 'external'}-{model}-{digest}"

    def label(self) -> str:
        if self.external:
            return f"external {self.task} model={self.model}"
        args = f" {self.args}" if self.args else ""
        return f"{self.task} condition={self.condition}{args} model={self.model}"


def parse_shard(text: str) -> tuple[int, int]:
    """``i/N`` with 1 <= i <= N, else a one-line error."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard {text!r}: expected i/N with 1 <= i <= N, e.g. 1/4")
    return int(match.group(1)), int(match.group(2))


def shard_units(units: list[Unit], shard: tuple[int, int] | None) -> list[Unit]:
    """Shard i of N: units i-1, i-1+N, ... of the fixed order (round-robin, so shards of a suite
    listed task by task get a similar mix)."""
    if shard is None:
        return list(units)
    i, n = shard
    return [u for k, u in enumerate(units) if k % n == i - 1]


@dataclass
class UnitResult:
    """What happened to one unit (picklable: it comes back from worker processes)."""

    unit: Unit
    status: str  # success | error | cancelled | started
    error: str = ""
    location: str = ""
    samples: int = 0
    rejudged: int = 0
    outages_left: int = 0
    seconds: float = 0.0
    logs: list[Any] = field(default_factory=list)  # the EvalLogs (in-process runs only)


def join_path(root: str, name: str) -> str:
    return f"{root.rstrip('/')}/{name}"


# ---------- re-judging samples left grader_failed by a judge outage ----------


def is_outage(score: Any) -> bool:
    """A score our scorers give when the judge call itself failed (an outage), as opposed to a
    reply that could not be parsed (re-asking the same judge would not help)."""
    # imported here: cc_evals.judge imports Inspect, which `cc-evals report` need not load
    from cc_evals.judge import JUDGE_CALL_FAILED

    return getattr(score, "reason", None) == "grader_failed" and str(
        getattr(score, "explanation", "") or ""
    ).startswith(JUDGE_CALL_FAILED)


def outage_count(log: Any) -> int:
    return sum(
        1
        for sample in log.samples or []
        for score in (sample.scores or {}).values()
        if is_outage(score)
    )


def outages_in(location: str) -> int:
    """Judge outages in the log at ``location``, from its sample summaries where the direct
    reader can open it (a finished .eval), else from the whole log: reading every sample's
    transcript after each unit costs more CPU than the unit's own bookkeeping."""
    from cc_evals.eval_zip import open_eval, read_summaries

    opened = open_eval(location)
    summaries = read_summaries(opened) if opened is not None else None
    if summaries is None:
        from inspect_ai.log import read_eval_log

        return outage_count(read_eval_log(location))
    return sum(
        1 for summary in summaries for score in (summary.scores or {}).values() if is_outage(score)
    )


def _keep_or_rescore(original: Any, name: str, old: dict[tuple[Any, int], Any]) -> Any:
    """A scorer with ``original``'s registry identity (same score name and metrics) that keeps
    every existing score except judge outages, which it re-runs ``original`` for."""
    from inspect_ai.util import registry_info

    from cc_evals._inspect import registry_params, set_registry_info, set_registry_params

    async def score(state: Any, target: Any) -> Any:
        previous = old.get((state.sample_id, state.epoch), {}).get(name)
        if previous is not None and not is_outage(previous):
            return previous
        return await original(state, target)

    set_registry_info(score, registry_info(original))
    set_registry_params(score, registry_params(original))
    return score


def rejudge_outages(location: str, task: Any, model: Any, roles: dict[str, Any]) -> int:
    """Re-score the judge-outage samples of a finished log in place; returns how many were."""
    from inspect_ai import score
    from inspect_ai.log import read_eval_log, write_eval_log

    from cc_evals._inspect import registry_unqualified_name

    if not outages_in(location):
        return 0
    log = read_eval_log(location)
    failed = outage_count(log)
    if not failed or log.status != "success":
        return 0
    old = {(s.id, s.epoch): dict(s.scores or {}) for s in log.samples or []}
    scorers = task.scorer if isinstance(task.scorer, list) else [task.scorer]
    wrapped = [_keep_or_rescore(s, registry_unqualified_name(s), old) for s in scorers]
    rescored = score(
        log, wrapped, model=model, model_roles=roles or None, action="overwrite", display="none"
    )
    write_eval_log(rescored, location)
    return failed - outage_count(rescored)


# ---------- running units ----------


@dataclass(frozen=True)
class RunSettings:
    """Everything a unit run needs besides the unit (picklable for worker processes)."""

    suite_path: str
    log_root: str
    roles: dict[str, str]
    eval_kwargs: dict[str, Any]


def build_unit_task(suite: Any, unit: Unit, roles: dict[str, Any]) -> Any:
    """The Task for one unit, created with the suite's grader role bound (see build_tasks)."""
    from inspect_ai.model import get_model

    import cc_evals._registry  # noqa: F401  (registers every task)
    from cc_evals._inspect import init_model_roles, registry_lookup

    if unit.external:
        from cc_evals.external import load_external_evals

        ev = {e.name: e for e in load_external_evals()}[unit.task]
        fn = registry_lookup("task", ev.task)
        if fn is None:
            raise ValueError(
                f"{suite.path}: external eval {unit.task!r} needs task {ev.task!r}, which is not "
                "installed (pip install inspect-evals)"
            )
        return fn(**ev.args)  # type: ignore[operator]
    fn = registry_lookup("task", unit.task)
    if fn is None:
        raise ValueError(f"{suite.path}: unknown task {unit.task!r} (see `cc-evals list`)")
    init_model_roles({k: v if not isinstance(v, str) else get_model(v) for k, v in roles.items()})
    try:
        return fn(condition=unit.condition, **unit.args)  # type: ignore[operator]
    finally:
        init_model_roles({})


def run_unit(
    suite: Any,
    unit: Unit,
    model: Any,
    roles: dict[str, Any],
    log_root: str,
    eval_kwargs: dict[str, Any],
) -> UnitResult:
    """One unit: re-judge outages in its finished log (if any), then eval_set in its folder."""
    from inspect_ai import eval_set
    from inspect_ai.log import list_eval_logs

    from cc_evals.tinker import provider_error_line

    start = time.monotonic()
    log_dir = join_path(log_root, unit.key())
    task = build_unit_task(suite, unit, roles)
    rejudged = 0
    for info in list_eval_logs(log_dir) if _exists(log_dir) else []:
        rejudged += rejudge_outages(info.name, task, model, roles)
    try:
        _, logs = eval_set(
            task, log_dir=log_dir, model=model, model_roles=roles or None, **eval_kwargs
        )
    except TypeError as ex:
        raise ValueError(f"{suite.path}: bad option in 'options': {ex}") from None
    log = logs[0] if logs else _latest_log(log_dir)
    if log is None:
        return UnitResult(unit, "error", "no log written", seconds=time.monotonic() - start)
    error = provider_error_line(log.error.message, log.error.traceback) if log.error else ""
    samples = log.results.completed_samples if log.results else 0
    outages = 0
    if log.status == "success":
        outages = outages_in(log.location)
    return UnitResult(
        unit,
        str(log.status),
        error,
        log.location,
        samples,
        rejudged,
        outages,
        time.monotonic() - start,
        logs,
    )


def _latest_log(log_dir: str) -> Any:
    """The newest log header in a unit folder (eval_set returns none when interrupted)."""
    from inspect_ai.log import list_eval_logs, read_eval_log

    infos = list_eval_logs(log_dir) if _exists(log_dir) else []
    if not infos:
        return None
    newest = max(infos, key=lambda i: i.mtime or 0)
    return read_eval_log(newest.name, header_only=True)


def _exists(path: str) -> bool:
    from cc_evals._inspect import filesystem

    return bool(filesystem(path).exists(path))


def _worker(unit: Unit, settings: RunSettings) -> UnitResult:
    """Entry point of a worker process: one unit, by model name, no display."""
    from cc_evals.suite import load_suite

    suite = load_suite(settings.suite_path)
    result = run_unit(
        suite, unit, unit.model, dict(settings.roles), settings.log_root, settings.eval_kwargs
    )
    result.logs = []  # EvalLogs stay in the worker; the parent reads the summary
    return result


def run_units(
    suite: Any,
    units: list[Unit],
    *,
    models: dict[str, Any],
    roles: dict[str, Any],
    log_root: str,
    eval_kwargs: dict[str, Any],
    workers: int,
) -> Iterator[UnitResult]:
    """Run units in this process (workers 1, or models given as objects) or in ``workers``
    processes; yields each result as it finishes. Stops at the first cancelled unit."""
    in_process = (
        workers <= 1 or len(units) <= 1 or any(not isinstance(m, str) for m in models.values())
    )
    if in_process or any(not isinstance(r, str) for r in roles.values()):
        for unit in units:
            result = run_unit(suite, unit, models[unit.model], roles, log_root, eval_kwargs)
            yield result
            if result.status == "cancelled":
                return
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    settings = RunSettings(
        str(suite.path), log_root, {k: str(v) for k, v in roles.items()}, eval_kwargs
    )
    method = start_method()
    if method == "fork":
        # what every eval loads first (each installed package's Inspect registry, seconds of
        # imports): loaded once here, inherited by every forked worker
        from cc_evals._inspect import ensure_entry_points

        ensure_entry_points()
        method = start_method()  # still single-threaded after those imports?
    context = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(units)), mp_context=context)
    try:
        pending = {pool.submit(_worker, unit, settings) for unit in units}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    return os.cpu_count() or 1
