"""Simulated tidy tables (``cc_evals.results.COLUMNS``) with prompt-level heterogeneity.

Every case of the calibration benchmark draws its data here and feeds it into the same
functions the report and the gate use (``analysis.estimate_cells``, ``gate.gate_tables``), so
what is measured is what ``cc-evals report`` / ``cc-evals gate`` print. No Inspect logs are
written: a replication takes milliseconds instead of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cc_evals.results import COLUMNS


@dataclass(frozen=True)
class Design:
    """Who answered what: items (with clusters), units per item, epochs, checkpoints."""

    family: str
    task: str  # "{item}" in it makes one task per item (the per-dimension tasks)
    items: tuple[str, ...]
    clusters: tuple[str, ...]
    n_units: int
    epochs: int
    metric: str
    group: str = "g"
    seeds: tuple[int, ...] = (-1,)
    condition: str = "vanilla"

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.seeds), len(self.items), self.n_units, self.epochs)


def table(design: Design, values: NDArray[np.float64], model_prefix: str) -> pd.DataFrame:
    """The tidy table of ``values`` (shape ``design.shape``: seeds x items x units x epochs)."""
    s, i, u, e = design.shape
    if values.shape != (s, i, u, e):
        raise ValueError(f"values have shape {values.shape}, design wants {(s, i, u, e)}")
    idx = np.indices((s, i, u, e)).reshape(4, -1)
    seed_i, item_i, unit_i, epoch_i = idx
    items = np.asarray(design.items)[item_i]
    seeds = np.asarray(design.seeds)[seed_i]
    one_model = s == 1
    models = (
        np.full(seed_i.size, f"{model_prefix}")
        if one_model
        else np.char.add(f"{model_prefix}-s", seeds.astype(str))
    )
    units = np.char.add(np.char.add(items, "-u"), unit_i.astype(str))
    tasks = (
        np.char.replace(np.full(items.size, design.task), "{item}", items)
        if "{item}" in design.task
        else np.full(items.size, design.task)
    )
    flat = values.reshape(-1)
    frame = pd.DataFrame(
        {
            "log": "simulated",
            "task": tasks,
            "family": design.family,
            "model": models,
            "group": design.group,
            "seed": seeds.astype(np.int64),
            "condition": design.condition,
            "item": items,
            "item_name": items,
            "cluster": np.asarray(design.clusters)[item_i],
            "unit": units,
            "sample_id": units,
            "epoch": (epoch_i + 1).astype(np.int32),
            "metric": design.metric,
            "value": flat,
            "scored": ~np.isnan(flat),
            "reason": "",
            "label": "",
        }
    )
    for c in ("log", "task", "family", "model", "group", "condition", "unit", "sample_id"):
        frame[c] = frame[c].astype("category")
    for c in ("item", "item_name", "cluster", "metric", "reason", "label"):
        frame[c] = frame[c].astype(str).astype("category")
    return frame[COLUMNS]


def beta_rates(
    rng: np.random.Generator, means: NDArray[np.float64], n_units: int, concentration: float
) -> NDArray[np.float64]:
    """Per-unit true rates (items x units) from Beta(m c, (1 - m) c): prompt heterogeneity."""
    m = np.asarray(means, dtype=float)[:, None]
    return rng.beta(m * concentration, (1 - m) * concentration, size=(m.shape[0], n_units))


def binary(rng: np.random.Generator, rates: NDArray[np.float64], shape: tuple[int, ...]) -> NDArray:
    """0/1 samples with the per-unit ``rates`` (items x units) broadcast over seeds and epochs."""
    return (rng.random(shape) < rates[None, :, :, None]).astype(float)


def scores(
    rng: np.random.Generator,
    unit_means: NDArray[np.float64],
    sd: float,
    shape: tuple[int, ...],
    lo: float,
    hi: float,
) -> NDArray[np.float64]:
    """Integer judge scores on lo..hi around per-unit means (items x units), normal noise."""
    raw = unit_means[None, :, :, None] + rng.normal(0.0, sd, size=shape)
    return np.clip(np.round(raw), lo, hi)
