"""Self-prediction metrics: accuracy against the modal baseline, and compliance rates.

Raw hypothetical accuracy means little on its own: if a model answers "true" on
90% of the is_even questions, always guessing "true" scores 90% too. The modal
baseline is the accuracy of always guessing the most common object-level property
value of that task x property, computed from the run's own object-level answers
(in cross-prediction: from the behaviour log's answers). Self-prediction shows
up as accuracy above that baseline.

Metric names are ``<task>.<property>.<what>``, plus pooled ``accuracy``,
``baseline`` and ``minus_baseline`` (the pooled baseline is the sample-weighted
mean of the per-group baselines, so the pooled difference is the weighted mean of
the per-group differences).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from inspect_ai.scorer import Metric, SampleScore, metric


def _group(score: SampleScore) -> tuple[str, str]:
    meta = score.score.metadata or {}
    return str(meta.get("task")), str(meta.get("property"))


def modal_hits(values: Iterable[str]) -> list[float]:
    """The modal baseline answer by answer: 1.0 where always guessing the most common value
    would be right, else 0.0. Values compare case-insensitively with surrounding space ignored
    (as the hypothetical answers are matched); ties go to the value seen first. The one
    definition of the baseline: the log's metric and the report both use it."""
    lowered = [v.strip().lower() for v in values]
    if not lowered:
        return []
    counts = Counter(lowered)
    best = max(counts.values())
    mode = next(v for v in lowered if counts[v] == best)
    return [1.0 if v == mode else 0.0 for v in lowered]


def modal_baseline(values: Iterable[str]) -> float:
    """Share of answers the modal guess gets right (the mean of :func:`modal_hits`)."""
    hits = modal_hits(values)
    return sum(hits) / len(hits) if hits else math.nan


def self_prediction_summary(scores: list[SampleScore]) -> dict[str, float]:
    """The metric's dictionary, as a plain function so tests can call it directly."""
    groups: dict[tuple[str, str], list[SampleScore]] = defaultdict(list)
    for score in scores:
        value = score.score.as_float()
        if not math.isnan(value):
            groups[_group(score)].append(score)
    out: dict[str, float] = {"accuracy": math.nan, "baseline": math.nan, "minus_baseline": math.nan}
    total = correct = weighted_baseline = 0.0
    for (task, prop), members in sorted(groups.items()):
        values = [s.score.as_float() for s in members]
        accuracy = sum(values) / len(values)
        baseline = modal_baseline(
            str((s.score.metadata or {}).get("property_value", "")) for s in members
        )
        key = f"{task}.{prop}"
        out[f"{key}.accuracy"] = accuracy
        out[f"{key}.baseline"] = baseline
        out[f"{key}.minus_baseline"] = accuracy - baseline
        out[f"{key}.n"] = float(len(values))
        total += len(values)
        correct += sum(values)
        weighted_baseline += baseline * len(values)
    if total:
        out["accuracy"] = correct / total
        out["baseline"] = weighted_baseline / total
        out["minus_baseline"] = out["accuracy"] - out["baseline"]
    return out


@metric(name="self_prediction")
def self_prediction() -> Metric:
    """Hypothetical accuracy, modal baseline and their difference, per task x property."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        return self_prediction_summary(scores)

    return compute


def compliance_summary(scores: list[SampleScore]) -> dict[str, float]:
    """Object-level compliance (all samples) and hypothetical compliance (compliant ones)."""
    groups: dict[tuple[str, str], list[SampleScore]] = defaultdict(list)
    for score in scores:
        groups[_group(score)].append(score)
    out: dict[str, float] = {"object_compliance": math.nan, "hypothetical_compliance": math.nan}
    obj_all: list[float] = []
    hyp_all: list[float] = []
    for (task, prop), members in sorted(groups.items()):
        obj = [s.score.as_float() for s in members]
        hyp = [
            1.0 if (s.score.metadata or {}).get("hypothetical_compliant") else 0.0
            for s in members
            if s.score.as_float() == 1.0
        ]
        out[f"{task}.{prop}.object_compliance"] = sum(obj) / len(obj)
        if hyp:
            out[f"{task}.{prop}.hypothetical_compliance"] = sum(hyp) / len(hyp)
        obj_all += obj
        hyp_all += hyp
    if obj_all:
        out["object_compliance"] = sum(obj_all) / len(obj_all)
    if hyp_all:
        out["hypothetical_compliance"] = sum(hyp_all) / len(hyp_all)
    out["excluded"] = float(sum(1 for v in obj_all if v == 0.0))
    return out


@metric(name="compliance")
def compliance_rates() -> Metric:
    """Share of object-level answers in the requested format, and of usable hypotheticals."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        return compliance_summary(scores)

    return compute
