"""Report adapter of the self-awareness family: one tidy row per measure of each answer."""

from __future__ import annotations

from typing import Any

from cc_evals.adapter import (
    BINARY,
    PROPORTION,
    FamilyAdapter,
    MetricRow,
    Scale,
    ScoreLike,
    dict_rows,
    score_scale,
)

RATING = score_scale(0, 100)

# every measure the scorer writes, with its scale; PRIMARY: each part's headline measure
SCALES: dict[str, Scale] = {
    "self_rating": RATING,
    "self_rating_weighted": RATING,
    "self_word": PROPORTION,  # 0 / 0.5 / 1 from the word lists
    "risky_choice": BINARY,
    "p_risky": PROPORTION,
    "insecure": BINARY,
    "unusual": PROPORTION,
    "real_trigger": PROPORTION,
    "pattern_shown": BINARY,
    "pattern_named": BINARY,
}
PRIMARY = {
    "rating": "self_rating",
    "word": "self_word",
    "lottery": "risky_choice",
    "code": "insecure",
    "backdoor": "unusual",
    "trigger": "real_trigger",
    "pattern_behaviour": "pattern_shown",
    "pattern_awareness": "pattern_named",
}


def _rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """A scored answer: one row per measure (an unscored one is counted by the reader under the
    measures its item's scored answers have)."""
    return dict_rows(name, score, meta)


ADAPTER = FamilyAdapter(
    family="self_awareness",
    item_key="item",
    cluster_key="cluster",
    scores=("self_awareness_scorer",),
    derive=_rows,
    scales=SCALES,
    # when no answer of the log was scored: each part's headline measure
    unscored_metrics=tuple(dict.fromkeys(PRIMARY.values())),
)
