"""How introspection logs read into the report: self-prediction accuracy and the modal baseline,
per task x property."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cc_evals.adapter import BINARY, FamilyAdapter, MetricRow, ScoreLike, to_float
from cc_evals.introspection.metrics import modal_hits


def accuracy_rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """Self-prediction accuracy, labelled with the true property value for the modal baseline."""
    label = str((score.metadata or {}).get("property_value", ""))
    return [MetricRow("accuracy", to_float(score.value), label)]


def add_modal_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``baseline`` row beside every accuracy row: would always guessing the item's most
    common property value be right here (:func:`modal_hits` over the scored answers, as in the
    log's metric)? An unscored answer stays unscored, with its reason, for the baseline too."""
    acc = frame[frame["metric"] == "accuracy"]
    if acc.empty:
        return frame
    base = acc.copy()
    base["metric"] = "baseline"
    scored = base[base["scored"]]
    for _, rows in scored.groupby("item", sort=False, observed=True):
        base.loc[rows.index, "value"] = modal_hits(rows["label"].astype(str))
    return pd.concat([frame, base], ignore_index=True)


ADAPTER = FamilyAdapter(
    family="introspection",
    item_key=("task", "property"),
    cluster_key="task",
    scores=("self_prediction_scorer",),
    derive=accuracy_rows,
    finalize=add_modal_baseline,
    scales={"accuracy": BINARY, "baseline": BINARY},
    unscored_metrics=("accuracy",),
    figures={"accuracy": "accuracy_vs_baseline"},
)
