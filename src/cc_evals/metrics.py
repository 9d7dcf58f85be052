"""Metrics shared by the families (per-group metrics use inspect_ai's ``grouped``)."""

from __future__ import annotations

import math

from inspect_ai.scorer import Metric, SampleScore, metric


@metric
def rate() -> Metric:
    """Share of scored responses (mean of 0/1 values, or of P(yes) in logprob mode)."""

    def compute(scores: list[SampleScore]) -> float:
        values = [s.score.as_float() for s in scores]
        values = [v for v in values if not math.isnan(v)]
        return sum(values) / len(values) if values else math.nan

    return compute
