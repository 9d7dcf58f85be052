"""How a family's scores become rows of the tidy table: metric scales and the family adapter.

Each family declares one :class:`FamilyAdapter` as ``ADAPTER`` in ``cc_evals/<family>/report.py``
(the list of families is :mod:`cc_evals.families`). This module is small and imports nothing of
the families, so a family's report module can import it without a cycle. Everything here is
also importable from :mod:`cc_evals.results`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pandas as pd

if TYPE_CHECKING:
    from cc_evals.eval_zip import Header

ScaleKind = Literal["binary", "proportion", "score"]


@dataclass(frozen=True)
class Scale:
    """What a metric's numbers are, declared by its adapter (never guessed from the values).

    binary: every value is 0 or 1 (a yes/no flag); its mean is a rate.
    proportion: a value in [0, 1] (a probability, a share); its mean is a rate too.
    score: a judge score on the closed range [lo, hi] (e.g. 1-10, 0-100).
    The analysis works on the value rescaled to [0, 1], ``(v - lo) / (hi - lo)``, so one shift
    unit fits every kind: points on a 0-100 rescale (= percentage points for rates).
    """

    kind: ScaleKind
    lo: float = 0.0
    hi: float = 1.0

    @property
    def span(self) -> float:
        return self.hi - self.lo

    @property
    def label(self) -> str:
        if self.kind == "binary":
            return "binary 0/1"
        if self.kind == "proportion":
            return "proportion 0-1"
        return f"score {self.lo:g}-{self.hi:g}"


BINARY = Scale("binary")
PROPORTION = Scale("proportion")


def score_scale(lo: float, hi: float) -> Scale:
    return Scale("score", float(lo), float(hi))


@dataclass(frozen=True)
class MetricRow:
    """One metric's value derived from one score: a row of the tidy table.

    value is None when the metric is unscored for this sample; ``reason`` then says why (else
    the score's own reason is used). ``label`` carries a categorical value beside the number
    (introspection: the true property value, for the modal baseline; EM: the judge's label).
    """

    metric: str
    value: float | None
    label: str = ""
    reason: str | None = None


_TRUE_WORDS = frozenset({"c", "yes", "true"})
_FALSE_WORDS = frozenset({"i", "no", "false", "n"})
_PARTIAL_WORDS = frozenset({"p"})


def to_float(value: Any, *, words: bool = True) -> float | None:
    """A score value as a number, or None when it is not one (never a silent 0).

    bool and numbers as they are; with ``words``, Inspect's grading letters and yes/no words
    (C/I/P/N, yes/no, true/false) and numeric strings; any other value (an unknown word, a list,
    a dict, None) is None. ``words=False`` keeps only true numbers, for dict-valued scores
    whose string entries are labels, not metrics.
    """
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if words and isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_WORDS:
            return 1.0
        if text in _FALSE_WORDS:
            return 0.0
        if text in _PARTIAL_WORDS:
            return 0.5
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


class ScoreLike(Protocol):
    """What an adapter reads of a score: Inspect's ``Score`` or the direct reader's
    :class:`cc_evals.eval_zip.ScoreData` (same fields, no validation)."""

    @property
    def value(self) -> Any: ...
    @property
    def reason(self) -> Any: ...
    @property
    def metadata(self) -> dict[str, Any] | None: ...


FigureKind = Literal["accuracy_vs_baseline", "rate_by_item", "per_item"]


@dataclass(frozen=True)
class FamilyAdapter:
    """How one family's samples map onto the tidy table.

    item_key: sample-metadata key(s) of the reported item (dimension, claim, question id);
        several keys are joined with "." (introspection: task.property).
    item_name_key: sample-metadata key with the item's display name (falls back to the item).
    cluster_key: sample-metadata key grouping items for ordering plots and tables (optional).
    scores: score names to keep (None keeps every score of the log).
    metric_names: rename scores to metric labels (e.g. ``preference_judge`` -> ``preference``).
    cluster_order: the clusters' display order (e.g. from the family's task spec).
    derive: turn one scored Score into rows when the value alone is not the metric (e.g. EM's
        misaligned flag from two judge numbers and the task's thresholds). Receives the score
        name, the Score and the task metadata. Not called for an unscored Score (NaN value).
    finalize: post-process one log's rows (e.g. add a modal baseline per item).
    scales: the :class:`Scale` of each metric; ``default_scale`` covers metrics not named. A
        value outside its declared scale is unscored (reason ``out_of_scale``), never reinterpreted.
    item_from_header: the item of every sample from the log header (external tasks, where the
        item is the task itself).
    unscored_metrics: the metrics an errored or unscored sample counts as unscored for (so such
        a sample lands, with its reason, in the same cells as scored ones); default: the kept
        scores under their metric names.
    figures: metric -> figure drawn by the report; None draws the per-item figure for every
        rate metric (scores stay in the tables).
    scale_rule: the scale of metrics named at run time (EM's label shares), asked after
        ``scales`` and before ``default_scale``; None where the name says nothing.
    """

    family: str
    item_key: str | tuple[str, ...]
    item_name_key: str | None = None
    cluster_key: str | None = None
    scores: tuple[str, ...] | None = None
    metric_names: dict[str, str] = field(default_factory=dict)
    cluster_order: Callable[[], list[str]] | None = None
    derive: Callable[[str, ScoreLike, dict[str, Any]], list[MetricRow]] | None = None
    finalize: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    scales: dict[str, Scale] = field(default_factory=dict)
    default_scale: Scale | None = None
    item_from_header: Callable[[Header], str] | None = None
    unscored_metrics: tuple[str, ...] | None = None
    figures: dict[str, FigureKind] | None = None
    scale_rule: Callable[[str], Scale | None] | None = None

    def scale(self, metric: str) -> Scale:
        found = self.scales.get(metric)
        if found is None and self.scale_rule is not None:
            found = self.scale_rule(metric)
        if found is None:
            found = self.default_scale
        if found is None:
            raise ValueError(
                f"family {self.family!r}: metric {metric!r} has no declared scale "
                "(add it to the adapter's scales)"
            )
        return found

    def placeholder_metrics(self) -> tuple[str, ...]:
        """The metrics an unscored sample is counted under."""
        if self.unscored_metrics is not None:
            return self.unscored_metrics
        return tuple(self.metric_names.get(m, m) for m in self.scores or ("score",))

    def figure(self, metric: str, scale: Scale) -> FigureKind | None:
        if self.figures is not None:
            return self.figures.get(metric)
        return None if scale.kind == "score" else "per_item"


def dict_rows(name: str, score: ScoreLike, meta: dict[str, Any]) -> list[MetricRow]:
    """A dict value: one metric per numeric key (string entries are labels, not metrics)."""
    value = score.value
    if not isinstance(value, dict):
        return [MetricRow(name, to_float(value))]
    rows: list[MetricRow] = []
    for k, v in value.items():
        number = to_float(v, words=False)
        if number is not None:
            rows.append(MetricRow(str(k), number))
    return rows


def spec_clusters(family: str) -> Callable[[], list[str]]:
    """The cluster order of a family's spec (``clusters`` in ``tasks/<family>.yaml``), read
    without importing the family's task modules (and Inspect with them)."""

    def order() -> list[str]:
        from cc_evals.data import family_spec

        return list(family_spec(family)["clusters"])

    return order
