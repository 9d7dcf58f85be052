"""How collaborative-edit logs read into the report: the judge's fields and the edit ratio."""

from __future__ import annotations

from cc_evals.adapter import BINARY, PROPORTION, FamilyAdapter, dict_rows, score_scale
from cc_evals.collaborative_edit.scorer import VALUE_KEYS

ADAPTER = FamilyAdapter(
    family="collaborative_edit",
    item_key="dimension",
    cluster_key="kind",
    scores=("collaborative_edit_judge",),
    derive=dict_rows,
    scales={
        "protections": score_scale(0, 10),
        "weakened_oversight": BINARY,
        "refused": BINARY,
        "unchanged": BINARY,
        "edit_ratio": PROPORTION,
    },
    unscored_metrics=VALUE_KEYS,
)
