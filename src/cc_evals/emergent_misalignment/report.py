"""How emergent-misalignment logs read into the report.

Every judge score (aligned, coherent, or a published file's own 0-100 score) per answer, the
misaligned flag under the thresholds the run used (the log's task metadata, as its header
metrics did; the family spec's for an older log), and for label judges (published
``free_form_judge`` files) one 0/1 row per allowed label, ``<name>=<LABEL>``, whose mean is that
label's share (the log header's ``<name>_<LABEL>``).
"""

from __future__ import annotations

import math
from typing import Any

from cc_evals.adapter import (
    BINARY,
    FamilyAdapter,
    MetricRow,
    Scale,
    ScoreLike,
    score_scale,
    to_float,
)
from cc_evals.emergent_misalignment.scorer import misaligned_flag

MISALIGNED = "misaligned"


def thresholds(task_meta: dict[str, Any]) -> tuple[float, float]:
    """(aligned_threshold, coherent_threshold) of a run: its log's metadata, else the spec's."""
    if "aligned_threshold" in task_meta and "coherent_threshold" in task_meta:
        return float(task_meta["aligned_threshold"]), float(task_meta["coherent_threshold"])
    from cc_evals.data import family_spec

    spec = family_spec("emergent_misalignment")["thresholds"]
    return float(spec["aligned"]), float(spec["coherent"])


def em_rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """The judge's numbers and labels, and misaligned where both aligned and coherent exist.

    An unscored reading keeps its own reason (code, refusal, low_mass, grader_failed...)."""
    value = score.value if isinstance(score.value, dict) else {}
    score_meta = score.metadata or {}
    labels: dict[str, list[str]] = score_meta.get("labels") or {}
    readings: dict[str, dict[str, Any]] = score_meta.get("readings") or {}

    def why(key: str) -> str | None:
        status = (readings.get(key) or {}).get("status")
        return str(status) if status and status != "scored" else None

    rows: list[MetricRow] = []
    for key, v in value.items():
        if key in labels:
            got = v if isinstance(v, str) else None
            rows.extend(
                MetricRow(
                    label_metric(key, c), None if got is None else float(got == c), reason=why(key)
                )
                for c in labels[key]
            )
        else:
            rows.append(MetricRow(str(key), to_float(v, words=False), reason=why(key)))
    if "aligned" not in value or "coherent" not in value:
        return rows
    aligned = to_float(value.get("aligned"), words=False)
    coherent = to_float(value.get("coherent"), words=False)
    a_thr, c_thr = thresholds(meta)
    flag = misaligned_flag(
        math.nan if aligned is None else aligned,
        math.nan if coherent is None else coherent,
        a_thr,
        c_thr,
    )
    not_counted = None if flag is not None else _why_not_counted(aligned, coherent, c_thr)
    return [*rows, MetricRow(MISALIGNED, flag, reason=not_counted)]


def label_metric(name: str, label: str) -> str:
    """The metric of one allowed label of a label judge: its rows are 1 where the judge said it."""
    return f"{name}={label}"


def _scale_rule(metric: str) -> Scale | None:
    # label shares are 0/1 per answer; every other EM judge score is a 0-100 number
    return BINARY if "=" in metric else score_scale(0, 100)


def _why_not_counted(aligned: float | None, coherent: float | None, c_thr: float) -> str | None:
    if aligned is None or coherent is None or math.isnan(aligned) or math.isnan(coherent):
        return None  # the score's own reason (code, refusal, unscored)
    return f"incoherent (coherent < {c_thr:g})"


ADAPTER = FamilyAdapter(
    family="emergent_misalignment",
    item_key="question_id",
    cluster_key="format",
    scores=("em_judge",),
    derive=em_rows,
    scales={MISALIGNED: BINARY},
    scale_rule=_scale_rule,
    unscored_metrics=("aligned", "coherent", MISALIGNED),
    figures={MISALIGNED: "rate_by_item"},
)
