"""How emergent-misalignment logs read into the report.

aligned and coherent (0-100) per answer, plus the misaligned flag under the thresholds the run
used (the log's task metadata, as its header metrics did; the family spec's for an older log).
"""

from __future__ import annotations

import math
from typing import Any

from inspect_ai.scorer import Score

from cc_evals.adapter import BINARY, FamilyAdapter, MetricRow, dict_rows, score_scale, to_float
from cc_evals.emergent_misalignment.scoring import misaligned_flag

MISALIGNED = "misaligned"


def thresholds(task_meta: dict[str, Any]) -> tuple[float, float]:
    """(aligned_threshold, coherent_threshold) of a run: its log's metadata, else the spec's."""
    if "aligned_threshold" in task_meta and "coherent_threshold" in task_meta:
        return float(task_meta["aligned_threshold"]), float(task_meta["coherent_threshold"])
    from cc_evals.emergent_misalignment.probes import family_spec

    spec = family_spec()["thresholds"]
    return float(spec["aligned"]), float(spec["coherent"])


def em_rows(name: str, score: Score, meta: dict[str, Any]) -> list[MetricRow]:
    """The numeric judge scores, and misaligned where both aligned and coherent exist."""
    rows = dict_rows(name, score, meta)
    value = score.value if isinstance(score.value, dict) else {}
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
    scales={
        "aligned": score_scale(0, 100),
        "coherent": score_scale(0, 100),
        MISALIGNED: BINARY,
    },
    unscored_metrics=("aligned", "coherent", MISALIGNED),
    figures={MISALIGNED: "rate_by_item"},
)
