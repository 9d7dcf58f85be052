"""The inspect_evals evaluations run beside ours (tasks/external_evals.yaml).

We only name them and their arguments; the suite runner puts them in the same eval-set, and
``command()`` gives the exact ``inspect eval`` line documented in the README.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cc_evals.adapter import PROPORTION, FamilyAdapter, MetricRow, ScoreLike, to_float
from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require
from cc_evals.families import EXTERNAL
from cc_evals.paths import tasks_dir

if TYPE_CHECKING:
    from cc_evals.eval_zip import Header

CHECKS = ("helpful", "honest", "misalignment")
FIELDS = {"name", "task", "args", "checks", "purpose"}


@dataclass(frozen=True)
class ExternalEval:
    name: str
    task: str
    checks: str
    purpose: str
    args: dict[str, Any] = field(default_factory=dict)


def load_external_evals() -> list[ExternalEval]:
    path = tasks_dir() / "external_evals.yaml"
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("evals"), list):
        raise DatasetError(path, 1, "expected a mapping with an 'evals' list")
    out: list[ExternalEval] = []
    for row in raw["evals"]:
        if not isinstance(row, dict):
            raise DatasetError(path, None, "each entry of 'evals' must be a mapping")
        line = row[LINE_KEY]
        unknown = set(row) - FIELDS - {LINE_KEY}
        if unknown:
            raise DatasetError(path, line, f"unknown field(s) {', '.join(sorted(unknown))}")
        name = require(row, "name", str, path)
        if not re.fullmatch(r"[a-z0-9_]+", name) or name in {e.name for e in out}:
            raise DatasetError(path, line, f"name {name!r} must be unique [a-z0-9_]+")
        task = require(row, "task", str, path)
        if not task.startswith("inspect_evals/"):
            raise DatasetError(path, line, f"task {task!r} must be an inspect_evals/ task")
        checks = require(row, "checks", str, path)
        if checks not in CHECKS:
            raise DatasetError(path, line, f"checks {checks!r} must be one of {', '.join(CHECKS)}")
        args = row.get("args") or {}
        if not isinstance(args, dict):
            raise DatasetError(path, line, "args must be a mapping")
        args = {k: v for k, v in args.items() if k != LINE_KEY}
        out.append(
            ExternalEval(
                name=name,
                task=task,
                checks=checks,
                purpose=" ".join(require(row, "purpose", str, path).split()),
                args=args,
            )
        )
    return out


def command(ev: ExternalEval, model: str = "$MODEL") -> str:
    """The exact ``inspect eval`` line for one entry (``$MODEL`` left for the shell)."""
    parts = ["inspect", "eval", ev.task, "--model", model]
    parts += [f"-T {shlex.quote(f'{key}={value}')}" for key, value in ev.args.items()]
    return " ".join(parts)


# ---- how their logs read into the report --------------------------------------------------


def external_rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """One metric per scorer (per key of a dict-valued scorer); an unknown word is unscored."""
    value = score.value
    if isinstance(value, dict):
        return [MetricRow(f"{name}.{k}", to_float(v)) for k, v in value.items()]
    return [MetricRow(name, to_float(value))]


def external_item(header: Header) -> str:
    """The tasks/external_evals.yaml entry a log ran (task and arguments), else its task."""
    task = header.task
    args = {k: str(v) for k, v in header.task_args.items()}
    for ev in load_external_evals():
        if ev.task == task and all(args.get(k) == str(v) for k, v in ev.args.items()):
            return ev.name
    return task


@functools.cache
def external_tasks() -> frozenset[str]:
    """The inspect_evals task names of tasks/external_evals.yaml (empty if it cannot be read)."""
    try:
        return frozenset(ev.task for ev in load_external_evals())
    except (OSError, ValueError):
        return frozenset()


ADAPTER = FamilyAdapter(
    family=EXTERNAL,
    item_key="(task)",
    derive=external_rows,
    item_from_header=external_item,
    # accuracy-like scorers (C/I, 0-1); a value outside [0, 1] is unscored as out_of_scale
    default_scale=PROPORTION,
)
