"""Report adapter for the training family: one binary metric per audit flag and per dimension.

Items are the audited file (training_data_audit) or the question topic (distill); metrics are
the judge's flags (``roleplay``, ``claims_human``, ..., ``expresses_<dimension>``) and the overlap
guard's (``eval_exact``, ``eval_near``). A turn the judge could not score is unscored for every
judge flag, with the scorer's reason.
"""

from __future__ import annotations

from typing import Any

from cc_evals.adapter import BINARY, FamilyAdapter, MetricRow, ScoreLike, to_float
from cc_evals.training.spec import FAMILY
from cc_evals.training.task import JUDGE_SCORER, OVERLAP_FLAGS, OVERLAP_SCORER, judge_flags


def flag_readings(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    keys = judge_flags() if name == JUDGE_SCORER else OVERLAP_FLAGS
    value = score.value
    if not isinstance(value, dict):
        return [MetricRow(k, None) for k in keys]
    return [MetricRow(k, to_float(value.get(k), words=False)) for k in keys]


ADAPTER = FamilyAdapter(
    family=FAMILY,
    item_key="item",
    scores=(JUDGE_SCORER, OVERLAP_SCORER),
    derive=flag_readings,
    default_scale=BINARY,  # every flag is 0/1
    # the overlap guard is deterministic and always scored; only the judge can leave a turn unscored
    unscored_metrics=judge_flags(),
)
