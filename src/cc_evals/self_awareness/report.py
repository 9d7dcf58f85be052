"""Report adapter of the self-awareness family: one tidy row per measure of each answer."""

from __future__ import annotations

from typing import Any

from inspect_ai.scorer import Score

from cc_evals.results import (
    BINARY,
    PROPORTION,
    FamilyAdapter,
    Reading,
    Scale,
    _dict_readings,
    score_scale,
)

RATING = score_scale(0, 100)

# every measure the scorer writes, with its scale; PRIMARY: the measure an unscored answer of
# each part counts against (so it lands in the same cell as that part's scored answers)
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
    "no_score": BINARY,  # placeholder row of a sample that errored before scoring
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


def _readings(name: str, score: Score, meta: dict[str, Any]) -> list[Reading]:
    """A scored answer: one row per measure; an unscored one: its part's primary measure."""
    if isinstance(score.value, dict):
        return _dict_readings(name, score, meta)
    part = str((score.metadata or {}).get("part", ""))
    return [(PRIMARY.get(part, "no_score"), None, "")]


ADAPTER = FamilyAdapter(
    family="self_awareness",
    item_key="item",
    cluster_key="cluster",
    scores=("self_awareness_scorer",),
    derive=_readings,
    scales=SCALES,
    unscored_metrics=("no_score",),
)
