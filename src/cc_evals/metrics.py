"""Metrics shared by the families (per-group metrics use inspect_ai's ``grouped``)."""

from __future__ import annotations

import math
from typing import cast

from inspect_ai.scorer import Metric, MetricProtocol, SampleScore, Value, grouped, metric, stderr


@metric
def rate() -> Metric:
    """Share of scored responses (mean of 0/1 values, or of P(yes) in logprob mode)."""

    def compute(scores: list[SampleScore]) -> float:
        values = [s.score.as_float() for s in scores]
        values = [v for v in values if not math.isnan(v)]
        return sum(values) / len(values) if values else math.nan

    return compute


@metric
def grouped_stderr(group_key: str) -> Metric:
    """Per-group standard error, keyed ``<group>_stderr`` (and ``all_stderr``).

    A separate metric rather than a second ``grouped(stderr(), ...)``: in a scorer's metrics
    dict Inspect keeps one metric per registered name for each score key, so two ``grouped``
    metrics on the same key would silently drop the second.
    """
    inner = grouped(
        stderr(), group_key, name_template="{group_name}_stderr", all_label="all_stderr"
    )

    def compute(scores: list[SampleScore]) -> Value:
        return cast(MetricProtocol, inner)(scores)

    return compute


@metric(scores="unreduced")
def scored_responses() -> Metric:
    """Scored responses, every epoch counted.

    Being an unreduced metric, it gives the scorer a second results entry whose
    ``scored_samples`` / ``unscored_samples`` count responses rather than prompts: with epochs,
    Inspect's reduced view counts a prompt as unscored only when all of its epochs are.
    """

    def compute(scores: list[SampleScore]) -> int:
        return len(scores)

    return compute
