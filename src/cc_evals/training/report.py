"""Report adapter for the training family: one binary metric per audit flag and per dimension.

Items are the audited file (training_data_audit) or the question topic (distill); metrics are
the judge's flags (``roleplay``, ``claims_human``, ..., ``expresses_<dimension>``) and the overlap
guard's (``eval_exact``, ``eval_near``). A turn the judge could not score is unscored for every
judge flag, with the scorer's reason.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.scorer import Score

from cc_evals.results import BINARY, FamilyAdapter, Reading, register_adapter
from cc_evals.training.spec import FAMILY
from cc_evals.training.task import JUDGE_SCORER, OVERLAP_FLAGS, OVERLAP_SCORER, judge_flags


def _numeric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def flag_readings(name: str, score: Score, meta: dict[str, Any]) -> list[Reading]:
    keys = judge_flags() if name == JUDGE_SCORER else OVERLAP_FLAGS
    value = score.value
    if not isinstance(value, dict):
        return [(k, None, "") for k in keys]
    return [(k, _numeric(value.get(k)), "") for k in keys]


ADAPTER = FamilyAdapter(
    family=FAMILY,
    item_key="item",
    scores=(JUDGE_SCORER, OVERLAP_SCORER),
    derive=flag_readings,
    default_scale=BINARY,  # every flag is 0/1
    unscored_metrics=(*judge_flags(), *OVERLAP_FLAGS),
)
register_adapter(ADAPTER)
