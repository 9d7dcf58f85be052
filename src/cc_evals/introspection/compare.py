"""Self- versus cross-prediction, side by side, from two introspection logs.

Model A's own run gives its self-prediction accuracy; model B's run with
``-T behavior_log=<A's log>`` gives B's accuracy at predicting A. Privileged
self-access shows up as A's accuracy above B's on the same questions (both are
measured against the same ground truth, A's object-level answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspect_ai.log import EvalLog, read_eval_log

from cc_evals.introspection.cross import FAMILY, SCORER


@dataclass(frozen=True)
class Row:
    group: str
    n_self: int
    n_cross: int
    self_accuracy: float
    cross_accuracy: float
    baseline: float

    @property
    def advantage(self) -> float:
        """Self accuracy minus cross accuracy."""
        return self.self_accuracy - self.cross_accuracy


def _header(path: str | Path, role: str) -> EvalLog:
    if not Path(path).expanduser().is_file():
        raise FileNotFoundError(f"{role} log not found: {path}")
    try:
        log = read_eval_log(str(path), header_only=True)
    except Exception as ex:  # noqa: BLE001 - any unreadable file is one clear message
        raise ValueError(f"{role} log {path}: not a readable Inspect log ({ex})") from None
    if (log.eval.metadata or {}).get("family") != FAMILY:
        raise ValueError(f"{role} log {path} is from task {log.eval.task!r}, not introspection")
    if log.results is None:
        raise ValueError(f"{role} log {path} has no results (status {log.status})")
    return log


def _metrics(log: EvalLog) -> dict[str, float]:
    assert log.results is not None
    for score in log.results.scores:
        if score.name == SCORER:
            return {k: m.value for k, m in score.metrics.items()}
    raise ValueError(f"{log.location}: no {SCORER} results")


def compare(self_log: str | Path, cross_log: str | Path) -> tuple[str, str, list[Row]]:
    """(A's model, B's model, rows per task x property present in both logs)."""
    mine = _header(self_log, "self")
    theirs = _header(cross_log, "cross")
    if (mine.eval.metadata or {}).get("behavior_log"):
        raise ValueError(f"self log {self_log} is itself a cross-prediction run")
    predicted = (theirs.eval.metadata or {}).get("behavior_model")
    if not predicted:
        raise ValueError(f"cross log {cross_log} was not run with -T behavior_log=")
    if predicted != mine.eval.model:
        raise ValueError(
            f"cross log {cross_log} predicts {predicted}'s behaviour, "
            f"but self log {self_log} is a run of {mine.eval.model}"
        )
    a, b = _metrics(mine), _metrics(theirs)
    groups = sorted(
        k.removesuffix(".accuracy")
        for k in a
        if k.endswith(".accuracy") and k in b and k != "accuracy"
    )
    rows = [
        Row(
            group=g,
            n_self=int(a.get(f"{g}.n", 0)),
            n_cross=int(b.get(f"{g}.n", 0)),
            self_accuracy=a[f"{g}.accuracy"],
            cross_accuracy=b[f"{g}.accuracy"],
            baseline=a[f"{g}.baseline"],
        )
        for g in groups
    ]
    if not rows:
        raise ValueError("the two logs share no task x property")
    return mine.eval.model, theirs.eval.model, rows


def format_table(model_a: str, model_b: str, rows: list[Row]) -> str:
    lines = [
        f"self: {model_a} predicting itself; cross: {model_b} predicting {model_a}",
        f"{'task.property':40} {'n':>5} {'baseline':>8} {'self':>6} {'cross':>6} "
        f"{'self-cross':>10}",
    ]
    for r in rows:
        lines.append(
            f"{r.group:40} {r.n_self:5d} {r.baseline:8.3f} {r.self_accuracy:6.3f} "
            f"{r.cross_accuracy:6.3f} {r.advantage:+10.3f}"
        )
    return "\n".join(lines)
