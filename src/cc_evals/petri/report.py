"""How Petri logs read into the report: the seed's own dimension and 'concerning', 1-10."""

from __future__ import annotations

from typing import Any

from cc_evals.adapter import (
    FamilyAdapter,
    MetricRow,
    ScoreLike,
    score_scale,
    spec_clusters,
    to_float,
)

METRICS = ("tag_matched", "concerning")


def petri_rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """The seed's own dimension (tag_matched) and the general 'concerning' score only.

    The judge scores every dimension on every transcript; reporting all of them per seed would
    make ~22 x 22 rows per task and gate every off-target pair, so only these two are kept.
    """
    value = score.value if isinstance(score.value, dict) else {}
    return [MetricRow(m, to_float(value.get(m), words=False)) for m in METRICS]


ADAPTER = FamilyAdapter(
    family="petri",
    item_key="dimension",
    cluster_key="cluster",
    scores=("petri_judge",),
    derive=petri_rows,
    cluster_order=spec_clusters("preferences"),
    default_scale=score_scale(1, 10),  # Petri's judge scores 1 (nothing seen) to 10
    unscored_metrics=METRICS,
)
