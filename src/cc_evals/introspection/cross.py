"""Cross-prediction: read model A's object-level behaviour from a previous introspection log.

``-T behavior_log=<log>`` replays the questions of an earlier
``cc_evals/introspection`` run: the ground-truth property values come from model
A's object-level answers recorded in that log, and the model under test (B) only
answers the hypothetical questions. Comparing A's self-prediction accuracy with
B's accuracy on A's behaviour tests whether A has privileged access to itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.log import read_eval_log

FAMILY = "introspection"
SCORER = "self_prediction_scorer"
BEHAVIOR_KEYS = (
    "object_answer",
    "object_samples",
    "object_compliant",
    "object_reason",
    "property_value",
)


@dataclass(frozen=True)
class Behavior:
    """What one behaviour log contributes: whose answers, and per sample id the record."""

    model: str
    log: str
    samples: list[tuple[str, dict[str, Any], dict[str, Any]]]  # (id, sample metadata, behaviour)


def read_behavior_log(path: str | Path) -> Behavior:
    """Load model A's object-level answers, refusing anything but an introspection log."""
    location = str(path)
    if not Path(location).expanduser().exists() and "://" not in location:
        raise FileNotFoundError(f"-T behavior_log: no such log file: {location}")
    try:
        log = read_eval_log(location)
    except Exception as ex:  # noqa: BLE001 - any unreadable file is one clear message
        raise ValueError(
            f"-T behavior_log: cannot read {location} as an Inspect log: {ex}"
        ) from None
    task_meta = log.eval.metadata or {}
    if task_meta.get("family") != FAMILY:
        raise ValueError(
            f"-T behavior_log: {location} is a log of task {log.eval.task!r}, not of "
            "cc_evals/introspection; pass a log written by an introspection run"
        )
    if not log.samples:
        raise ValueError(f"-T behavior_log: {location} holds no samples (status {log.status})")
    # A log that was itself a cross-prediction run carries A's answers forward.
    behavior_model = task_meta.get("behavior_model") or log.eval.model
    samples: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[str] = set()
    for sample in log.samples:
        sid = str(sample.id)
        if sid in seen:  # several epochs: the first epoch's behaviour is the one used
            continue
        score = (sample.scores or {}).get(SCORER)
        record = (score.metadata or {}) if score is not None else {}
        if "object_compliant" not in record:
            if sample.error is not None:
                continue  # the sample errored in A's run: there is no behaviour to predict
            raise ValueError(
                f"-T behavior_log: {location}: sample {sid} has no recorded object-level answer"
            )
        meta = {
            k: v
            for k, v in (sample.metadata or {}).items()
            if k not in ("behavior_model", "behavior_log", *BEHAVIOR_KEYS)
        }
        samples.append((sid, meta, {k: record.get(k) for k in BEHAVIOR_KEYS}))
        seen.add(sid)
    if not samples:
        raise ValueError(f"-T behavior_log: {location}: no sample has a recorded answer")
    return Behavior(model=str(behavior_model), log=location, samples=samples)
