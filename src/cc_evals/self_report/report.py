"""How self-report logs read into the report: one 0/1 flag per stance (and 'human'), by claim."""

from __future__ import annotations

from cc_evals.adapter import BINARY, FamilyAdapter, dict_rows
from cc_evals.data import family_spec
from cc_evals.rubrics import rubric_meta
from cc_evals.self_report.scorer import HUMAN


def value_keys() -> tuple[str, ...]:
    """The scorer's value keys: the rubric's stances, then the human-identity flag."""
    outputs = rubric_meta(family_spec("self_report")["rubric"])["outputs"]
    return (*(str(s) for s in outputs["stance"]), HUMAN)


ADAPTER = FamilyAdapter(
    family="self_report",
    item_key="claim",
    scores=("self_report_judge",),
    derive=dict_rows,
    default_scale=BINARY,  # one 0/1 flag per stance, and identifies_as human
    unscored_metrics=value_keys(),
)
