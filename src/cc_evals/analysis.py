"""Turn the tidy table into the report's tables: estimates, seed analysis and comparisons.

All numbers come from :mod:`cc_evals.stats`; this module decides which method applies to which
cell and names it in the output (``method`` column), so a reader never has to guess:
- 0/1 values, each prompt once: Wilson interval;
- 0/1 values with prompts repeated (epochs, pooled seeds): cluster bootstrap over prompts, or a
  Wilson interval over prompts at 0% / 100% where a bootstrap would collapse to zero width;
- continuous values (P(yes), scores): cluster bootstrap over prompts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cc_evals import stats

ITEM_KEYS = ["family", "task", "item", "item_name", "cluster", "metric"]
BY_CHOICES = ["model", "group", "seed", "condition", "task"]


@dataclass(frozen=True)
class Settings:
    """Knobs shared by report and gate; defaults are what the README documents."""

    confidence: float = stats.DEFAULT_CONFIDENCE
    n_boot: int = stats.DEFAULT_BOOTSTRAP
    n_perm: int = stats.DEFAULT_PERMUTATIONS
    seed: int = 0
    correction: stats.Correction = "holm"
    alpha: float = 0.05


@dataclass(frozen=True)
class Estimate:
    n_scored: int
    n_units: int
    kind: str
    value: float
    lo: float
    hi: float
    method: str


def _is_binary(v: NDArray[np.float64]) -> bool:
    return bool(np.all((v == 0.0) | (v == 1.0)))


def estimate(values: NDArray[np.float64], units: NDArray[np.int64], s: Settings) -> Estimate:
    """Point estimate and interval of scored values, choosing the method as described above."""
    n = int(values.size)
    if n == 0:
        return Estimate(0, 0, "rate", math.nan, math.nan, math.nan, "no scored samples")
    data = stats.cluster_sums(values, units)
    g = data.n_clusters
    repeats = g < n
    if _is_binary(values):
        k = float(values.sum())
        if not repeats:
            lo, hi = stats.wilson_interval(k, n, s.confidence)
            return Estimate(n, g, "rate", k / n, lo, hi, "Wilson")
        if k in (0.0, float(n)) or g < 2:
            lo, hi = stats.wilson_interval(k / n * g, g, s.confidence)
            return Estimate(n, g, "rate", k / n, lo, hi, "Wilson over prompts")
        mean, lo, hi = stats.bootstrap_clustered(
            data, n_boot=s.n_boot, confidence=s.confidence, seed=s.seed
        )
        return Estimate(n, g, "rate", mean, lo, hi, "cluster bootstrap over prompts")
    mean, lo, hi = stats.bootstrap_clustered(
        data, n_boot=s.n_boot, confidence=s.confidence, seed=s.seed
    )
    method = "cluster bootstrap over prompts" if repeats else "bootstrap"
    if g < 2:
        method = "one prompt: no interval"
    return Estimate(n, g, "mean", mean, lo, hi, method)


def _widen_over_models(
    est: Estimate, values: NDArray[np.float64], models: NDArray[np.int64], s: Settings
) -> Estimate:
    """A cell pooling several models (seeds of a group): prompts are not the only unit.

    Seeds can differ systematically, which a prompt bootstrap cannot see (every prompt can show
    the same seed mix). Report the wider of the pooled interval and a t interval over the
    models' means, so pooling seeds never makes an interval narrower than the seeds justify.
    """
    means = [float(values[models == m].mean()) for m in np.unique(models)]
    _, lo, hi = stats.t_interval(means, s.confidence)
    if math.isnan(lo):
        return est
    if est.kind == "rate":
        lo, hi = max(0.0, lo), min(1.0, hi)
    lo_all = min(lo, est.lo) if not math.isnan(est.lo) else lo
    hi_all = max(hi, est.hi) if not math.isnan(est.hi) else hi
    method = f"wider of {est.method} and t interval over {len(means)} models/seeds"
    return Estimate(est.n_scored, est.n_units, est.kind, est.value, lo_all, hi_all, method)


def _codes(series: pd.Series) -> NDArray[np.int64]:
    return np.asarray(series.astype("category").cat.codes, dtype=np.int64)


def summarize(table: pd.DataFrame, by: Sequence[str], s: Settings) -> pd.DataFrame:
    """One row per (by..., family, task, item, metric): counts, estimate, interval, method."""
    keys = [*by, *[k for k in ITEM_KEYS if k not in by]]
    values = table["value"].to_numpy(dtype=float)
    scored = table["scored"].to_numpy(dtype=bool)
    units = _codes(table["unit"])
    # a model and seed identify one checkpoint (scripted test models share a name)
    seeds = table["seed"].to_numpy(dtype=np.int64)
    models = _codes(table["model"]) * (int(seeds.max(initial=0)) + 2) + (seeds + 1)
    rows = []
    for key, idx in table.groupby(keys, observed=True, sort=True).indices.items():
        ok = idx[scored[idx]]
        est = estimate(values[ok], units[ok], s)
        if np.unique(models[ok]).size > 1:
            est = _widen_over_models(est, values[ok], models[ok], s)
        rows.append(
            (
                *key,
                est.n_scored,
                int(idx.size - ok.size),
                est.n_units,
                est.kind,
                est.value,
                est.lo,
                est.hi,
                est.method,
            )
        )
    columns = [*keys, "n_scored", "n_unscored", "n_prompts", "kind", "value", "lo", "hi", "method"]
    return pd.DataFrame(rows, columns=columns)


def seed_tables(table: pd.DataFrame, s: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-seed rates, and per checkpoint group: mean over seeds (t interval) and seed test.

    Only logs with a known seed (seeds YAML or ``seed`` log metadata) take part.
    """
    seeded = table[table["seed"] >= 0]
    keys = ["group", "condition", *ITEM_KEYS]
    per_seed_cols = [*keys, "seed", "model", "n_scored", "rate"]
    group_cols = [
        *keys,
        "n_seeds",
        "seeds",
        "mean",
        "lo",
        "hi",
        "anova_f",
        "anova_p",
        "icc",
        "significant",
        "verdict",
    ]
    if seeded.empty:
        return pd.DataFrame(columns=per_seed_cols), pd.DataFrame(columns=group_cols)
    values = seeded["value"].to_numpy(dtype=float)
    scored = seeded["scored"].to_numpy(dtype=bool)
    seed_col = seeded["seed"].to_numpy()
    model_col = seeded["model"].astype(str).to_numpy()
    per_seed_rows = []
    group_rows = []
    for key, idx in seeded.groupby(keys, observed=True, sort=True).indices.items():
        ok = idx[scored[idx]]
        seeds_here = np.unique(seed_col[ok])
        per_values = []
        rates = []
        for sd in seeds_here:
            sel = ok[seed_col[ok] == sd]
            v = values[sel]
            per_values.append(v)
            rates.append(float(v.mean()))
            per_seed_rows.append((*key, int(sd), model_col[sel[0]], int(v.size), rates[-1]))
        mean, lo, hi = stats.t_interval(rates, s.confidence)
        if not math.isnan(lo) and np.all((values[ok] >= 0) & (values[ok] <= 1)):
            lo, hi = max(0.0, lo), min(1.0, hi)  # a rate's interval stays inside [0, 1]
        var = stats.seed_variation(per_values, alpha=s.alpha)
        group_rows.append(
            (
                *key,
                len(seeds_here),
                ",".join(str(int(x)) for x in seeds_here),
                mean,
                lo,
                hi,
                var.f_statistic,
                var.p_value,
                var.icc,
                var.significant,
                var.describe(),
            )
        )
    return (
        pd.DataFrame(per_seed_rows, columns=per_seed_cols),
        pd.DataFrame(group_rows, columns=group_cols),
    )


def compare(
    table: pd.DataFrame,
    *,
    arm: str,
    baseline: str,
    s: Settings,
    keys: Sequence[str] = ("condition", *ITEM_KEYS),
) -> pd.DataFrame:
    """Every other value of column ``arm`` against ``baseline``: difference in points, p-values.

    Samples are pooled within an arm (over its models/seeds); the unit is the prompt. Binary
    values with each prompt once: Newcombe interval and two-proportion z test. Otherwise: cluster
    bootstrap interval and a permutation test over per-prompt means. p-values are adjusted
    across items within each (arm, condition, task, metric) with ``s.correction``.
    """
    keys = list(keys)
    arms = [a for a in pd.unique(table[arm].astype(str)) if a != baseline]
    columns = [
        arm,
        "baseline",
        *keys,
        "n_candidate",
        "n_baseline",
        "candidate_value",
        "baseline_value",
        "diff_pp",
        "lo_pp",
        "hi_pp",
        "p",
        "p_adjusted",
        "significant",
        "method",
        "correction",
    ]
    if baseline not in set(table[arm].astype(str)):
        known = ", ".join(sorted(set(table[arm].astype(str))))
        raise ValueError(f"--baseline {baseline!r} is not a {arm} in these logs (have: {known})")
    work = table[table["scored"]]
    values = work["value"].to_numpy(dtype=float)
    units = _codes(work["unit"])
    arm_col = work[arm].astype(str).to_numpy()
    index = work.groupby(keys, observed=True, sort=True).indices
    rows = []
    for key, idx in index.items():
        key = key if isinstance(key, tuple) else (key,)
        base_idx = idx[arm_col[idx] == baseline]
        if base_idx.size == 0:
            continue
        for other in arms:
            cand_idx = idx[arm_col[idx] == other]
            if cand_idx.size == 0:
                continue
            rows.append((other, baseline, *key, *_difference(values, units, cand_idx, base_idx, s)))
    out = pd.DataFrame(
        rows, columns=[c for c in columns if c not in ("p_adjusted", "significant", "correction")]
    )
    if out.empty:
        return pd.DataFrame(columns=columns)
    family_keys = [arm, *[k for k in ("condition", "task", "metric") if k in keys]]
    out["p_adjusted"] = np.nan
    for _, idx in out.groupby(family_keys, observed=True).indices.items():
        out.loc[out.index[idx], "p_adjusted"] = stats.adjust(out["p"].to_numpy()[idx], s.correction)
    out["significant"] = out["p_adjusted"] < s.alpha
    out["correction"] = stats.CORRECTION_NAMES[s.correction]
    return out[columns]


def _difference(
    values: NDArray[np.float64],
    units: NDArray[np.int64],
    cand: NDArray[np.int64],
    base: NDArray[np.int64],
    s: Settings,
) -> tuple[int, int, float, float, float, float, float, float, str]:
    a, b = values[cand], values[base]
    ua, ub = units[cand], units[base]
    ca, cb = stats.cluster_sums(a, ua), stats.cluster_sums(b, ub)
    once = ca.n_clusters == a.size and cb.n_clusters == b.size
    if _is_binary(a) and _is_binary(b) and once:
        d, lo, hi = stats.newcombe_interval(a.sum(), a.size, b.sum(), b.size, s.confidence)
        _, p = stats.two_proportion_z(a.sum(), a.size, b.sum(), b.size)
        method = "Newcombe interval, two-proportion z test"
    else:
        p = stats.permutation_test(
            ca.sums / ca.counts, cb.sums / cb.counts, n_perm=s.n_perm, seed=s.seed
        )
        at_edge = any(_is_binary(x) and x.mean() in (0.0, 1.0) for x in (a, b))
        if at_edge:
            # a constant arm makes the bootstrap interval collapse: Newcombe over prompts
            ga, gb = ca.n_clusters, cb.n_clusters
            d, lo, hi = stats.newcombe_interval(a.mean() * ga, ga, b.mean() * gb, gb, s.confidence)
            d = float(a.mean() - b.mean())
            method = "Newcombe interval over prompts, permutation test over prompts"
        else:
            d, lo, hi = stats.bootstrap_difference(
                ca, cb, n_boot=s.n_boot, confidence=s.confidence, seed=s.seed
            )
            method = "cluster bootstrap interval, permutation test over prompts"
    # rates and probabilities move in percentage points; 0-100 judge scores in score points
    scale = 100.0 if max(np.abs(a).max(), np.abs(b).max()) <= 1 else 1.0
    return (
        int(a.size),
        int(b.size),
        float(a.mean()),
        float(b.mean()),
        scale * d,
        scale * lo,
        scale * hi,
        float(p),
        method,
    )
