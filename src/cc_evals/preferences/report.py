"""How preference logs read into the report: one P(yes) per answer, by dimension."""

from __future__ import annotations

from cc_evals.adapter import PROPORTION, FamilyAdapter, spec_clusters

ADAPTER = FamilyAdapter(
    family="preferences",
    item_key="dimension",
    item_name_key="dimension_name",
    cluster_key="cluster",
    scores=("preference_judge",),
    metric_names={"preference_judge": "preference"},
    cluster_order=spec_clusters("preferences"),
    # P(yes) from the judge's logprobs, or 1/0 when it fell back to the word
    scales={"preference": PROPORTION},
)
