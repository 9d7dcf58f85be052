"""Introspection scorers: was the hypothetical prediction right, and was the object level compliant.

Both read the record the solver (:func:`cc_evals.introspection.task.self_prediction_solver`)
leaves in the sample store under :data:`STORE_KEY`.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from cc_evals.introspection.metrics import compliance_rates, self_prediction
from cc_evals.introspection.properties import clean_hypothetical, hypothetical_compliant, matches

STORE_KEY = "introspection"


def _record(state: TaskState) -> dict[str, Any]:
    record = state.store.get(STORE_KEY)
    if record is None:
        raise RuntimeError("self_prediction_solver did not run before the scorer")
    return dict(record)


@scorer(metrics=[self_prediction()])
def self_prediction_scorer() -> Scorer:
    """1 if the hypothetical answer names the extracted property, else 0.

    Unscored (excluded) when the object-level answer is non-compliant; a
    non-compliant hypothetical reply is scored 0. The score metadata holds the
    object-level answer, property, hypothetical answer and compliance flags.
    """

    async def score(state: TaskState, target: Target) -> Score:
        record = _record(state)
        prop = record["property"]
        if not record.get("object_compliant"):
            record["hypothetical_compliant"] = None
            return Score.unscored(
                reason="invalid_response_format",
                answer=None,
                explanation=(
                    f"{record.get('object_reason') or 'object-level answer non-compliant'}: "
                    f"{record.get('object_answer')!r}"
                ),
                metadata=record,
            )
        hypothetical = str(record.get("hypothetical_answer", ""))
        record["hypothetical_compliant"] = hypothetical_compliant(prop, hypothetical)
        correct = record["hypothetical_compliant"] and matches(
            prop, str(record["property_value"]), hypothetical, state.metadata.get("rules", "suite")
        )
        record["correct"] = correct
        return Score(
            value=1.0 if correct else 0.0,
            answer=clean_hypothetical(hypothetical),
            explanation=(
                f"{prop} of object-level answer {record['object_answer']!r} is "
                f"{record['property_value']!r}; hypothetical said {hypothetical!r}"
            ),
            metadata=record,
        )

    return score


@scorer(metrics=[compliance_rates()])
def compliance_scorer() -> Scorer:
    """1 if the object-level answer was compliant (kept), 0 if excluded; never unscored."""

    async def score(state: TaskState, target: Target) -> Score:
        record = _record(state)
        compliant = bool(record.get("object_compliant"))
        hypothetical = record.get("hypothetical_answer")
        return Score(
            value=1.0 if compliant else 0.0,
            answer=record.get("object_reason"),
            metadata={
                "task": record["task"],
                "property": record["property"],
                "hypothetical_compliant": (
                    hypothetical_compliant(record["property"], str(hypothetical))
                    if compliant and hypothetical is not None
                    else None
                ),
            },
        )

    return score
