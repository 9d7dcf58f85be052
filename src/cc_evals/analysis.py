"""Turn the tidy table into the report's tables: estimates, seed analysis and comparisons.

All numbers come from :mod:`cc_evals.stats`; this module decides which method applies to which
cell and names it in the output (``method`` column), so a reader never has to guess. The method
follows the metric's declared :class:`~cc_evals.results.Scale` (binary, proportion, score lo-hi),
never the values seen, and every value is rescaled to [0, 1] by its declared range first:
- binary, each prompt once: Wilson interval;
- prompts repeated (epochs, pooled seeds), proportions and scores: cluster bootstrap over prompts;
- every value at the scale's limit (all 0 / all 1 after rescaling), where a bootstrap would
  collapse to zero width: a Wilson interval over prompts, a valid (conservative) bound for any
  variable bounded in [0, 1], whose variance is at most p(1 - p).
Estimates are reported in the metric's own units; differences in points on a 0-100 rescale of the
declared range (= percentage points for rates), plus the native difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cc_evals import stats
from cc_evals.results import Scale, scale_of

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


def estimate(
    values: NDArray[np.float64], units: NDArray[np.int64], scale: Scale, s: Settings
) -> Estimate:
    """Point estimate and interval of scored values, choosing the method from ``scale``."""
    n = int(values.size)
    if n == 0:
        return Estimate(0, 0, scale.kind, math.nan, math.nan, math.nan, "no scored samples")
    u = (values - scale.lo) / scale.span
    data = stats.cluster_sums(u, units)
    g = data.n_clusters
    repeats = g < n
    k = float(u.sum())

    def native(x: float) -> float:
        return scale.lo + scale.span * x

    def done(mean: float, lo: float, hi: float, method: str) -> Estimate:
        return Estimate(n, g, scale.kind, native(mean), native(lo), native(hi), method)

    if scale.kind == "binary" and not repeats:
        lo, hi = stats.wilson_interval(k, n, s.confidence)
        return done(k / n, lo, hi, "Wilson")
    at_limit = k == 0.0 or k == float(n)
    if at_limit or (scale.kind == "binary" and g < 2):
        lo, hi = stats.wilson_interval(k / n * g, g, s.confidence)
        label = "Wilson over prompts"
        if scale.kind == "score":
            label += " on the 0-1 rescale (all at the scale's limit)"
        return done(k / n, lo, hi, label)
    mean, lo, hi = stats.bootstrap_clustered(
        data, n_boot=s.n_boot, confidence=s.confidence, seed=s.seed
    )
    method = "cluster bootstrap over prompts" if repeats else "bootstrap"
    if g < 2:
        method = "one prompt: no interval"
    return done(mean, lo, hi, method)


def _widen_over_models(
    est: Estimate,
    values: NDArray[np.float64],
    models: NDArray[np.int64],
    scale: Scale,
    s: Settings,
) -> Estimate:
    """A cell pooling several models (seeds of a group): prompts are not the only unit.

    Seeds can differ systematically, which a prompt bootstrap cannot see (every prompt can show
    the same seed mix). Report the wider of the pooled interval and a t interval over the
    models' means, so pooling seeds never makes an interval narrower than the seeds justify.
    """
    _, inverse = np.unique(models, return_inverse=True)
    means = np.bincount(inverse, weights=values) / np.bincount(inverse)
    _, lo, hi = stats.t_interval(means, s.confidence)
    if math.isnan(lo):
        return est
    lo, hi = max(scale.lo, lo), min(scale.hi, hi)  # stays inside the declared range
    lo_all = min(lo, est.lo) if not math.isnan(est.lo) else lo
    hi_all = max(hi, est.hi) if not math.isnan(est.hi) else hi
    method = f"wider of {est.method} and t interval over {len(means)} models/seeds"
    return Estimate(est.n_scored, est.n_units, est.kind, est.value, lo_all, hi_all, method)


def _codes(series: pd.Series) -> NDArray[np.int64]:
    return np.asarray(series.astype("category").cat.codes, dtype=np.int64)


def _checkpoints(table: pd.DataFrame) -> NDArray[np.int64]:
    """One code per checkpoint: a model and a seed (scripted test models share a name)."""
    seeds = table["seed"].to_numpy(dtype=np.int64)
    return _codes(table["model"]) * (int(seeds.max(initial=0)) + 2) + (seeds + 1)


def _scale_at(keys: Sequence[str], key: tuple[object, ...]) -> Scale:
    return scale_of(str(key[list(keys).index("family")]), str(key[list(keys).index("metric")]))


def summarize(table: pd.DataFrame, by: Sequence[str], s: Settings) -> pd.DataFrame:
    """One row per (by..., family, task, item, metric): counts, estimate, interval, method."""
    keys = [*by, *[k for k in ITEM_KEYS if k not in by]]
    values = table["value"].to_numpy(dtype=float)
    scored = table["scored"].to_numpy(dtype=bool)
    units = _codes(table["unit"])
    models = _checkpoints(table)
    rows = []
    for key, idx in table.groupby(keys, observed=True, sort=True).indices.items():
        ok = idx[scored[idx]]
        scale = _scale_at(keys, key)
        est = estimate(values[ok], units[ok], scale, s)
        if np.unique(models[ok]).size > 1:
            est = _widen_over_models(est, values[ok], models[ok], scale, s)
        rows.append(
            (
                *key,
                scale.label,
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
    columns = [
        *keys,
        "scale",
        "n_scored",
        "n_unscored",
        "n_prompts",
        "kind",
        "value",
        "lo",
        "hi",
        "method",
    ]
    return pd.DataFrame(rows, columns=columns)


def seed_tables(table: pd.DataFrame, s: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-seed rates, and per checkpoint group: mean over seeds (t interval) and seed test.

    Only logs with a known seed (seeds YAML or ``seed`` log metadata) take part.
    """
    seeded = table[table["seed"] >= 0]
    keys = ["group", "condition", *ITEM_KEYS]
    per_seed_cols = [*keys, "scale", "seed", "model", "n_scored", "rate"]
    group_cols = [
        *keys,
        "scale",
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
        scale = _scale_at(keys, key)
        seeds_here = np.unique(seed_col[ok])
        per_values = []
        rates = []
        for sd in seeds_here:
            sel = ok[seed_col[ok] == sd]
            v = values[sel]
            per_values.append(v)
            rates.append(float(v.mean()))
            per_seed_rows.append(
                (*key, scale.label, int(sd), model_col[sel[0]], int(v.size), rates[-1])
            )
        mean, lo, hi = stats.t_interval(rates, s.confidence)
        if not math.isnan(lo):
            lo, hi = max(scale.lo, lo), min(scale.hi, hi)  # inside the declared range
        var = stats.seed_variation(per_values, alpha=s.alpha)
        group_rows.append(
            (
                *key,
                scale.label,
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
    """Every other value of column ``arm`` against ``baseline``, per cell of ``keys``.

    Differences are in points on a 0-100 rescale of the metric's declared range (percentage
    points for rates; ``diff_native`` keeps the metric's own units). The method follows the
    declared scale and the design:
    - an arm holding two or more checkpoints (seeds): seed-level Welch t over checkpoint means
      (seeds are the unit, so seed-to-seed variance counts; an arm's variance is never taken
      below its prompt-level sampling variance, which is all a single-checkpoint arm has);
    - otherwise prompts are the unit: binary values with each prompt once get a Newcombe
      interval and a two-proportion z test; everything else a cluster bootstrap interval (or
      Newcombe over prompts when an arm sits at the scale's limit) and a permutation test over
      per-prompt means, paired (sign flips of per-prompt differences) when both arms saw the
      same prompts.
    p-values are adjusted with ``s.correction`` within each family: all items (dimensions,
    claims, questions) of one task and metric, for one arm and condition.
    """
    keys = list(keys)
    arms = [a for a in pd.unique(table[arm].astype(str)) if a != baseline]
    columns = [
        arm,
        "baseline",
        *keys,
        "scale",
        "n_candidate",
        "n_baseline",
        "candidate_value",
        "baseline_value",
        "diff_native",
        "diff_points",
        "lo_points",
        "hi_points",
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
    ckpts = _checkpoints(work)
    arm_col = work[arm].astype(str).to_numpy()
    index = work.groupby(keys, observed=True, sort=True).indices
    rows = []
    no_baseline: list[str] = []
    for key, idx in index.items():
        key = key if isinstance(key, tuple) else (key,)
        base_idx = idx[arm_col[idx] == baseline]
        if base_idx.size == 0:
            no_baseline.append("/".join(map(str, key)))
            continue
        scale = _scale_at(keys, key)
        for other in arms:
            cand_idx = idx[arm_col[idx] == other]
            if cand_idx.size == 0:
                continue
            diff = _difference(values, units, ckpts, cand_idx, base_idx, scale, s)
            rows.append((other, baseline, *key, scale.label, *diff))
    out = pd.DataFrame(
        rows, columns=[c for c in columns if c not in ("p_adjusted", "significant", "correction")]
    )
    if out.empty:
        empty = pd.DataFrame(columns=columns)
        empty.attrs["no_baseline"] = no_baseline
        return empty
    family_keys = [arm, *[k for k in ("condition", "task", "metric") if k in keys]]
    out["p_adjusted"] = np.nan
    for _, idx in out.groupby(family_keys, observed=True).indices.items():
        out.loc[out.index[idx], "p_adjusted"] = stats.adjust(out["p"].to_numpy()[idx], s.correction)
    out["significant"] = out["p_adjusted"] < s.alpha
    out["correction"] = (
        f"{stats.CORRECTION_NAMES[s.correction]} over the items of each task and metric"
    )
    out = out[columns]
    out.attrs["no_baseline"] = no_baseline  # cells not compared: say so, never drop silently
    return out


def _arm_means(u: NDArray[np.float64], ckpt: NDArray[np.int64]) -> NDArray[np.float64]:
    _, inverse = np.unique(ckpt, return_inverse=True)
    return np.bincount(inverse, weights=u) / np.bincount(inverse)


def _seed_level(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ka: NDArray[np.int64],
    kb: NDArray[np.int64],
    ca: stats.Clustered,
    cb: stats.Clustered,
    s: Settings,
) -> tuple[float, float, float, float, float, float, str] | None:
    """Welch t over checkpoint means; None when no spread at all is visible (then the caller
    falls back to the prompt level, which has an edge-safe interval)."""
    ma, mb = _arm_means(a, ka), _arm_means(b, kb)
    variances, dfs = [], []
    for m, c in ((ma, ca), (mb, cb)):
        prompt_var = stats.cluster_mean_variance(c)
        prompt_var = 0.0 if math.isnan(prompt_var) else prompt_var
        if m.size >= 2:
            variances.append(max(float(m.var(ddof=1)) / m.size, prompt_var))
            dfs.append(float(m.size - 1))
        else:
            variances.append(prompt_var)
            dfs.append(float(max(c.n_clusters - 1, 1)))
    va, vb = float(ma.mean()), float(mb.mean())
    d = va - vb
    got = stats.welch_t(d, variances, dfs, s.confidence)
    if got is None:
        return None
    lo, hi, p = got
    method = f"seed-level Welch t over checkpoint means ({ma.size} vs {mb.size} seeds)"
    if min(ma.size, mb.size) < 2:
        method += "; the single-seed side contributes its prompt-level variance"
    return (va, vb, d, max(-1.0, lo), min(1.0, hi), p, method)


def _difference(
    values: NDArray[np.float64],
    units: NDArray[np.int64],
    ckpts: NDArray[np.int64],
    cand: NDArray[np.int64],
    base: NDArray[np.int64],
    scale: Scale,
    s: Settings,
) -> tuple[int, int, float, float, float, float, float, float, float, str]:
    a = (values[cand] - scale.lo) / scale.span
    b = (values[base] - scale.lo) / scale.span
    ua, ub = units[cand], units[base]
    ca, cb = stats.cluster_sums(a, ua), stats.cluster_sums(b, ub)
    ka, kb = ckpts[cand], ckpts[base]
    seeded = max(np.unique(ka).size, np.unique(kb).size) >= 2
    got = _seed_level(a, b, ka, kb, ca, cb, s) if seeded else None
    if got is not None:
        va, vb, d, lo, hi, p, method = got
    else:
        va, vb = float(a.mean()), float(b.mean())
        d, lo, hi, p, method = _prompt_level(a, b, ua, ub, ca, cb, scale, s)
        if seeded:
            method = "seeds show no spread, so prompt level: " + method
    return (
        int(a.size),
        int(b.size),
        scale.lo + scale.span * va,
        scale.lo + scale.span * vb,
        scale.span * d,
        100.0 * d,
        100.0 * lo,
        100.0 * hi,
        float(p),
        method,
    )


def _prompt_level(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ua: NDArray[np.int64],
    ub: NDArray[np.int64],
    ca: stats.Clustered,
    cb: stats.Clustered,
    scale: Scale,
    s: Settings,
) -> tuple[float, float, float, float, str]:
    """Prompts as the unit, on values already rescaled to [0, 1]."""
    once = ca.n_clusters == a.size and cb.n_clusters == b.size
    if scale.kind == "binary" and once:
        d, lo, hi = stats.newcombe_interval(a.sum(), a.size, b.sum(), b.size, s.confidence)
        _, p = stats.two_proportion_z(a.sum(), a.size, b.sum(), b.size)
        return d, lo, hi, p, "Newcombe interval, two-proportion z test"
    pa, pb = ca.sums / ca.counts, cb.sums / cb.counts
    prompts_a, prompts_b = np.unique(ua), np.unique(ub)
    if prompts_a.size == prompts_b.size and np.array_equal(prompts_a, prompts_b):
        # cluster_sums orders clusters by sorted unit, so the per-prompt means line up
        p = stats.paired_permutation_test(pa - pb, n_perm=s.n_perm, seed=s.seed)
        test = "paired permutation test over prompts"
    else:
        p = stats.permutation_test(pa, pb, n_perm=s.n_perm, seed=s.seed)
        test = "permutation test over prompts"
    at_limit = any(x.sum() in (0.0, float(x.size)) for x in (a, b))
    if at_limit:
        # a constant arm at the scale's limit makes the bootstrap interval collapse; Newcombe
        # over prompts bounds any [0, 1]-bounded mean (variance at most p(1 - p))
        ga, gb = ca.n_clusters, cb.n_clusters
        _, lo, hi = stats.newcombe_interval(a.mean() * ga, ga, b.mean() * gb, gb, s.confidence)
        d = float(a.mean() - b.mean())
        where = " on the 0-1 rescale" if scale.kind == "score" else ""
        return d, lo, hi, p, f"Newcombe interval over prompts{where}, {test}"
    d, lo, hi = stats.bootstrap_difference(
        ca, cb, n_boot=s.n_boot, confidence=s.confidence, seed=s.seed
    )
    return d, lo, hi, p, f"cluster bootstrap interval, {test}"
