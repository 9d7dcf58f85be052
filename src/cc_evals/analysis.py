"""Turn the tidy table into the report's and the gate's tables: estimates, seeds, comparisons.

All numbers come from :mod:`cc_evals.stats`; this module decides which method applies to which
cell, names it in the ``method`` column and says which question the interval answers in the
``question`` column (docs/methods.md describes each method once). Values are rescaled to [0, 1]
by the metric's declared :class:`~cc_evals.results.Scale` first; the method follows the
declaration, never the values seen.

Estimates (``estimate_cells``):
- a cell with at least :data:`MIN_UNITS_TO_GENERALISE` prompts (units): the rate over prompts
  like these, prompts a sample of a population: Korn-Graubard interval (Clopper-Pearson at the
  design-based effective sample size, cluster = prompt, df = prompts - 1);
- fewer prompts: the prompts are fixed and only the sampling (epochs) is uncertain: the same
  interval with the within-prompt variance (Clopper-Pearson for one binary prompt). A cell with
  one prompt never gets an interval "over prompts".
Comparisons (``compare_arms``): arms compared within each unit and combined over units
(:func:`cc_evals.stats.stratified_shift_test`), or, when an arm holds several checkpoints,
a two-way seed x unit model (:func:`cc_evals.stats.seed_level_shift_test`). Pooled rows (per
cluster and over all items of a family, :data:`POOLS`) are added as their own correction family.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cc_evals import stats
from cc_evals.results import Scale, scale_of

ITEM_KEYS = ["family", "task", "item", "item_name", "cluster", "metric"]
BY_CHOICES = ["model", "group", "seed", "condition", "task"]

MIN_UNITS_TO_GENERALISE = 5
"""Fewest prompts (units) in a cell for an interval over prompts; below it prompts are fixed."""

POOLED_SHARE = 0.2
"""Share of alpha (weighted Holm / BH) the pooled rows get as their own family; items get the
rest, and a rejected hypothesis passes its share on (step-down), so nothing is wasted."""

POOLS: dict[str, tuple[str, ...]] = {
    # family -> pooled rows: "cluster" (one row per value of the cluster column) and "all"
    "preferences": ("cluster", "all"),
    "petri": ("cluster", "all"),
    "emergent_misalignment": ("cluster", "all"),  # cluster = answer format (plain/json/...)
    "self_report": ("all",),  # items are already claim types, pooled over their questions
    "introspection": ("all",),
    "collaborative_edit": ("all",),
}
"""Which pooled rows each family gets in the report tables, the plots and the gate."""

ALL_ITEMS = "(all)"
CLUSTER_PREFIX = "cluster:"


@dataclass(frozen=True)
class Settings:
    """Knobs shared by report and gate; defaults are what docs/methods.md documents."""

    confidence: float = stats.DEFAULT_CONFIDENCE
    n_boot: int = stats.DEFAULT_BOOTSTRAP
    n_perm: int = stats.DEFAULT_PERMUTATIONS
    seed: int = 0
    correction: stats.Correction = "holm"
    alpha: float = 0.05
    pooled_share: float = POOLED_SHARE
    pooled: bool = True


@dataclass(frozen=True)
class Estimate:
    n_scored: int
    n_units: int
    kind: str
    value: float
    lo: float
    hi: float
    method: str
    question: str


def estimate(
    values: NDArray[np.float64], units: NDArray[np.int64], scale: Scale, s: Settings
) -> Estimate:
    """Point estimate and interval of scored values, choosing the method from the design."""
    n = int(values.size)
    if n == 0:
        return Estimate(0, 0, scale.kind, math.nan, math.nan, math.nan, "no scored samples", "none")
    u = (values - scale.lo) / scale.span
    data = stats.cluster_sums(u, units)
    g = data.n_clusters
    p = data.mean
    at_limit = p in (0.0, 1.0)

    def done(lo: float, hi: float, method: str, question: str) -> Estimate:
        def native(x: float) -> float:
            return scale.lo + scale.span * x

        return Estimate(n, g, scale.kind, native(p), native(lo), native(hi), method, question)

    rescale = " on the 0-1 rescale" if scale.kind == "score" else ""
    if g >= MIN_UNITS_TO_GENERALISE:
        var = math.nan if at_limit else stats.cluster_mean_variance(data)
        size = g if (at_limit or not var > 0) else n
        lo, hi = stats.effective_n_interval(p, var, size, g - 1, s.confidence)
        return done(
            lo,
            hi,
            f"Korn-Graubard over {g} prompts (prompt = cluster, df {g - 1}){rescale}",
            "mean over prompts like these (prompts sampled from a population)",
        )
    what = "this prompt" if g == 1 else f"these {g} prompts"
    question = f"mean of {what}, held fixed: uncertainty from sampling (epochs) only"
    if scale.kind == "binary" and g == 1:
        lo, hi = stats.effective_n_interval(p, math.nan, n, n - 1, s.confidence)
        return done(lo, hi, f"Clopper-Pearson over the {n} samples of one prompt", question)
    counts = data.counts
    means = data.sums / counts
    sq = stats.cluster_sums(u * u, units).sums
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(counts > 1, (sq - counts * means**2) / (counts - 1), means * (1 - means))
    var = float((np.clip(within, 0, None) * counts).sum() / n**2)
    df = float(max(n - g, 1))
    lo, hi = stats.effective_n_interval(p, var if var > 0 else math.nan, n, df, s.confidence)
    return done(lo, hi, f"Korn-Graubard, {what} fixed, {n} samples{rescale}", question)


def _widen_over_models(
    est: Estimate,
    values: NDArray[np.float64],
    models: NDArray[np.int64],
    scale: Scale,
    s: Settings,
) -> Estimate:
    """A cell pooling several models (seeds of a group): prompts are not the only unit.

    Seeds can differ systematically, which a prompt-level interval cannot see (every prompt can
    show the same seed mix). Report the wider of that interval and a t interval over the
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
    question = est.question + "; and over checkpoints (seeds) like these"
    return Estimate(
        est.n_scored, est.n_units, est.kind, est.value, lo_all, hi_all, method, question
    )


def _codes(series: pd.Series) -> NDArray[np.int64]:
    return np.asarray(series.astype("category").cat.codes, dtype=np.int64)


def _checkpoints(table: pd.DataFrame) -> NDArray[np.int64]:
    """One code per checkpoint: a model and a seed (scripted test models share a name)."""
    seeds = table["seed"].to_numpy(dtype=np.int64)
    codes = _codes(table["model"]) * (int(seeds.max(initial=0)) + 2) + (seeds + 1)
    return np.asarray(codes, dtype=np.int64)


def _item_units(table: pd.DataFrame) -> NDArray[np.int64]:
    """Unit codes qualified by task and item, so a pooled cell never merges two items' units."""
    return np.asarray(
        table.groupby(["task", "item", "unit"], observed=True, sort=False).ngroup(),
        dtype=np.int64,
    )


@dataclass(frozen=True)
class Cell:
    """One row of a table: its key values, the rows of the tidy table it covers, its level."""

    key: dict[str, str]
    rows: NDArray[np.int64]
    level: str  # "item" or "pooled"


def cells(table: pd.DataFrame, keys: Sequence[str], pooled: bool = True) -> Iterator[Cell]:
    """Item cells of ``keys``, then (if ``pooled``) each family's pooled cells from
    :data:`POOLS`: one per cluster and one over all items, each only when it spans two or more
    items (a pool of one item would repeat its row)."""
    keys = list(keys)
    for key, idx in table.groupby(keys, observed=True, sort=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        rows = np.asarray(idx, dtype=np.int64)
        yield Cell(dict(zip(keys, map(str, key), strict=True)), rows, "item")
    if not pooled or "item" not in keys or "family" not in keys:
        return
    # pooled over every task of the family, so the rows do not depend on how runs were split
    # (the family task or one task per dimension); integer codes (numbered in the strings'
    # sorted order), never per-row strings: this runs over every row of a million-row table
    rest = [k for k in keys if k not in ("item", "item_name", "cluster", "task")]
    fam_codes, fam_names = _sorted_codes(table["family"])
    task_codes, task_names = _sorted_codes(table["task"])
    item_codes, item_names = _sorted_codes(table["item"])
    item = task_codes * max(1, item_names.size) + item_codes  # (task, item)
    cluster_codes, cluster_names = _sorted_codes(table["cluster"])
    for fam, pools in POOLS.items():
        found = np.flatnonzero(fam_names == fam)
        sel = np.flatnonzero(fam_codes == found[0]) if found.size else found
        if sel.size == 0:
            continue
        sub = table[rest].iloc[sel]
        for pool in pools:
            if pool == "cluster":
                if np.unique(cluster_codes[sel]).size < 2:
                    continue  # one cluster: the same as the "all" row
                label = pd.Categorical.from_codes(
                    cluster_codes[sel],
                    categories=pd.Index([CLUSTER_PREFIX + str(c) for c in cluster_names]),
                )
            else:
                label = pd.Categorical.from_codes(
                    np.zeros(sel.size, dtype=np.int64), categories=pd.Index([ALL_ITEMS])
                )
            grouped = sub.assign(_pool=label).groupby([*rest, "_pool"], observed=True, sort=True)
            for raw_key, idx in grouped.indices.items():
                rows = sel[idx]
                items = item[rows]
                if not (items != items[0]).any():
                    continue
                key = tuple(raw_key) if isinstance(raw_key, tuple) else (raw_key,)
                values = dict(zip(rest, map(str, key[:-1]), strict=True))
                pool_label = str(key[-1])
                tasks = np.unique(task_codes[rows])
                values["task"] = (
                    str(task_names[tasks[0]]) if tasks.size == 1 else f"{fam} ({tasks.size} tasks)"
                )
                values["item"] = pool_label
                values["item_name"] = (
                    "all items"
                    if pool_label == ALL_ITEMS
                    else f"{pool_label[len(CLUSTER_PREFIX) :]} (pooled)"
                )
                values["cluster"] = (
                    "" if pool_label == ALL_ITEMS else pool_label[len(CLUSTER_PREFIX) :]
                )
                yield Cell({k: values[k] for k in keys}, rows, "pooled")


def _sorted_codes(series: pd.Series) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Each value's code among the distinct values as strings, numbered in their sorted order,
    and those strings: the categories' own codes where they already are that (the tidy
    table's), else computed."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = pd.Index(series.cat.categories.astype(str))
        codes = series.cat.codes.to_numpy()
        if names.is_unique and names.is_monotonic_increasing and (codes >= 0).all():
            return codes.astype(np.int64), names.to_numpy(dtype=object)
    uniques, inverse = np.unique(series.astype(str).to_numpy(dtype=object), return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), uniques.astype(object)


def _scale_of(cell: Cell) -> Scale:
    return scale_of(cell.key["family"], cell.key["metric"])


def estimate_cells(table: pd.DataFrame, by: Sequence[str], s: Settings) -> pd.DataFrame:
    """One row per (by..., family, task, item, metric) and per pooled cell: counts, estimate,
    interval, method and the question the interval answers."""
    keys = [*by, *[k for k in ITEM_KEYS if k not in by]]
    values = table["value"].to_numpy(dtype=float)
    scored = table["scored"].to_numpy(dtype=bool)
    units = _item_units(table)
    models = _checkpoints(table)
    rows = []
    for cell in cells(table, keys, pooled=s.pooled):
        idx = cell.rows
        ok = idx[scored[idx]]
        scale = _scale_of(cell)
        est = estimate(values[ok], units[ok], scale, s)
        if np.unique(models[ok]).size > 1:
            est = _widen_over_models(est, values[ok], models[ok], scale, s)
        rows.append(
            {
                **cell.key,
                "level": cell.level,
                "scale": scale.label,
                "n_scored": est.n_scored,
                "n_unscored": int(idx.size - ok.size),
                "n_prompts": est.n_units,
                "kind": est.kind,
                "value": est.value,
                "lo": est.lo,
                "hi": est.hi,
                "method": est.method,
                "question": est.question,
            }
        )
    columns = [*keys, "level", "scale", "n_scored", "n_unscored", "n_prompts", "kind"]
    columns += ["value", "lo", "hi", "method", "question"]
    return pd.DataFrame(rows, columns=columns)


def seed_tables(table: pd.DataFrame, s: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-seed rates, and per checkpoint group: mean over seeds (t interval) and seed test.

    The between-seed test is the two-way seed x prompt ANOVA (seeds answer the same prompts,
    so prompt difficulty is taken out; the error term is the seed x prompt interaction); the
    ICC is the between-seed share of variance of a cell mean from the same mean squares. Only
    logs with a known seed (seeds YAML or ``seed`` log metadata) take part.
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
    units = _codes(seeded["unit"])
    per_seed_rows = []
    group_rows = []
    for raw_key, raw_idx in seeded.groupby(keys, observed=True, sort=True).indices.items():
        key = cast(tuple[object, ...], raw_key)  # several keys: pandas gives a tuple
        idx = cast(NDArray[np.int64], raw_idx)
        ok = idx[scored[idx]]
        scale = _scale_at(keys, key)
        seeds_here = np.unique(seed_col[ok])
        rates = []
        for sd in seeds_here:
            sel = ok[seed_col[ok] == sd]
            rates.append(float(values[sel].mean()))
            per_seed_rows.append(
                (*key, scale.label, int(sd), model_col[sel[0]], int(sel.size), rates[-1])
            )
        mean, lo, hi = stats.t_interval(rates, s.confidence)
        if not math.isnan(lo):
            lo, hi = max(scale.lo, lo), min(scale.hi, hi)  # inside the declared range
        var = _seed_variation(values[ok], seed_col[ok], units[ok], s.alpha)
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


def _scale_at(keys: Sequence[str], key: tuple[object, ...]) -> Scale:
    return scale_of(str(key[list(keys).index("family")]), str(key[list(keys).index("metric")]))


def _cell_matrix(
    values: NDArray[np.float64], ckpt: NDArray[np.int64], units: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Checkpoints x units matrix of cell means (NaN where a checkpoint lacks a unit), the
    unit codes of its columns and the cell sizes."""
    cks, ci = np.unique(ckpt, return_inverse=True)
    uns, ui = np.unique(units, return_inverse=True)
    sums = np.zeros((cks.size, uns.size))
    counts = np.zeros((cks.size, uns.size))
    np.add.at(sums, (ci, ui), values)
    np.add.at(counts, (ci, ui), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts, uns, counts


def _seed_variation(
    values: NDArray[np.float64], seeds: NDArray[np.int64], units: NDArray[np.int64], alpha: float
) -> stats.SeedVariation:
    """Two-way seed x prompt test of between-seed variation on the prompts every seed has.

    With one prompt (no interaction df) the one-way ANOVA over samples is used instead."""
    cellm, _, _ = _cell_matrix(values, seeds, units)
    complete = cellm[:, ~np.isnan(cellm).any(axis=0)]
    if cellm.shape[0] < 2 or complete.shape[1] < 2:
        groups = [values[seeds == sd] for sd in np.unique(seeds)]
        return stats.seed_variation(groups, alpha=alpha)
    a = stats.seed_prompt_anova(complete)
    f, p = a.f_statistic, a.p_value
    if math.isnan(f):
        spread = a.ms_seed > 0
        return stats.SeedVariation(
            cellm.shape[0],
            math.inf if spread else math.nan,
            0.0 if spread else 1.0,
            1.0 if spread else 0.0,
            bool(spread),
            "two-way seed x prompt ANOVA",
        )
    k = a.n_units
    var_seed = max(0.0, (a.ms_seed - a.ms_interaction) / k)
    icc = var_seed / (var_seed + a.ms_interaction) if var_seed + a.ms_interaction > 0 else 0.0
    return stats.SeedVariation(cellm.shape[0], f, p, icc, p < alpha, "two-way seed x prompt ANOVA")


# ---------- comparisons ----------


@dataclass(frozen=True)
class Comparison:
    """One compared cell: counts, the arms' means, the shift in points and its test."""

    n_candidate: int
    n_baseline: int
    candidate_value: float
    baseline_value: float
    diff_native: float
    diff_points: float
    lo_points: float
    hi_points: float
    p: float
    df: float
    method: str
    question: str


COMPARISON_FIELDS = [f.name for f in fields(Comparison)]


def compare_cell(
    values: NDArray[np.float64],
    units: NDArray[np.int64],
    ckpts: NDArray[np.int64],
    cand: NDArray[np.int64],
    base: NDArray[np.int64],
    scale: Scale,
    s: Settings,
    tolerance_points: float = 0.0,
    seed_component: stats.SeedComponent | None = None,
) -> Comparison:
    """Compare one cell's candidate rows with its baseline rows (indices into the arrays).

    One checkpoint a side: within-unit (stratified) test over the units both arms saw.
    Several checkpoints on a side: the two-way seed x unit model on the units every
    checkpoint saw (falls back to the within-unit test when nothing varies).
    ``tolerance_points``: the test is of ``|shift| <= tolerance`` (0: no shift).
    """
    a = (values[cand] - scale.lo) / scale.span
    b = (values[base] - scale.lo) / scale.span
    tol = tolerance_points / 100.0
    ka, kb = ckpts[cand], ckpts[base]
    result: stats.ShiftTest | None = None
    question = "did the arms differ on these units (the instrument held fixed)?"
    if max(np.unique(ka).size, np.unique(kb).size) >= 2:
        result = _seed_level(a, b, units[cand], units[base], ka, kb, tol, s, seed_component)
        question = "did the checkpoint groups differ on these units, beyond seed-to-seed variation?"
    if result is None:
        v = np.concatenate([a, b])
        is_a = np.r_[np.ones(a.size, bool), np.zeros(b.size, bool)]
        u = np.concatenate([units[cand], units[base]])
        result = stats.stratified_shift_test(
            v,
            is_a,
            u,
            tolerance=tol,
            confidence=s.confidence,
            n_perm=s.n_perm,
            seed=s.seed,
            permute_if_below=s.alpha,
        )
        if max(np.unique(ka).size, np.unique(kb).size) >= 2:
            result = _renamed(result, "seeds show no spread at all, so seeds pooled: ")
    return Comparison(
        n_candidate=int(a.size),
        n_baseline=int(b.size),
        candidate_value=scale.lo + scale.span * float(a.mean()),
        baseline_value=scale.lo + scale.span * float(b.mean()),
        diff_native=scale.span * result.diff,
        diff_points=100.0 * result.diff,
        lo_points=100.0 * result.lo,
        hi_points=100.0 * result.hi,
        p=result.p,
        df=result.df,
        method=result.method,
        question=question,
    )


def _renamed(r: stats.ShiftTest, prefix: str) -> stats.ShiftTest:
    return stats.ShiftTest(
        r.diff, r.se, r.lo, r.hi, r.p, r.df, r.n_units, prefix + r.method, r.p_permutation
    )


def _seed_level(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ua: NDArray[np.int64],
    ub: NDArray[np.int64],
    ka: NDArray[np.int64],
    kb: NDArray[np.int64],
    tol: float,
    s: Settings,
    seed_component: stats.SeedComponent | None = None,
) -> stats.ShiftTest | None:
    prep = _seed_cells(a, b, ua, ub, ka, kb)
    if prep is None:
        return None
    cand_cells, base_cells, cell_var, cell_df = prep
    return stats.seed_level_shift_test(
        cand_cells,
        base_cells,
        cell_sampling_var=cell_var,
        cell_sampling_df=cell_df,
        tolerance=tol,
        confidence=s.confidence,
        seed_component=seed_component,
    )


def _seed_cells(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ua: NDArray[np.int64],
    ub: NDArray[np.int64],
    ka: NDArray[np.int64],
    kb: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float] | None:
    """Checkpoint x unit matrices of both arms on the units every checkpoint has, and the
    sampling variance of a cell mean with its df."""
    ma, cols_a, na = _cell_matrix(a, ka, ua)
    mb, cols_b, nb = _cell_matrix(b, kb, ub)
    common = np.intersect1d(cols_a[~np.isnan(ma).any(axis=0)], cols_b[~np.isnan(mb).any(axis=0)])
    if common.size == 0:
        return None
    ia, ib = np.searchsorted(cols_a, common), np.searchsorted(cols_b, common)
    # sampling variance of a cell mean, pooled within cells (used when there is one unit)
    resid = np.concatenate(
        [
            a - ma[np.unique(ka, return_inverse=True)[1], np.searchsorted(cols_a, ua)],
            b - mb[np.unique(kb, return_inverse=True)[1], np.searchsorted(cols_b, ub)],
        ]
    )
    n_cells = np.concatenate([na[:, ia].ravel(), nb[:, ib].ravel()])
    df_w = float(resid.size - (na > 0).sum() - (nb > 0).sum())
    var_w = float((resid**2).sum() / df_w) if df_w > 0 else math.nan
    cell_var = var_w / float(np.mean(n_cells)) if df_w > 0 else 0.0
    return ma[:, ia], mb[:, ib], cell_var, max(df_w, 1.0)


def _seed_parts(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ua: NDArray[np.int64],
    ub: NDArray[np.int64],
    ka: NDArray[np.int64],
    kb: NDArray[np.int64],
) -> list[tuple[float, float, float, int]]:
    """(ms_seed, df_seed, ms_noise, units) of each arm with two or more checkpoints."""
    prep = _seed_cells(a, b, ua, ub, ka, kb)
    if prep is None:
        return []
    out = []
    for cellm in prep[:2]:
        part = stats.seed_prompt_anova(cellm)
        if part.df_seed < 1:
            continue
        noise = part.ms_interaction if part.df_interaction > 0 else prep[2]
        out.append((part.ms_seed, part.df_seed, noise, part.n_units))
    return out


def compare_arms(
    table: pd.DataFrame,
    *,
    arm: str,
    baseline: str,
    s: Settings,
    keys: Sequence[str] = ("condition", *ITEM_KEYS),
    tolerance_points: float = 0.0,
) -> pd.DataFrame:
    """Every other value of column ``arm`` against ``baseline``, per cell of ``keys`` and per
    pooled cell (:data:`POOLS`).

    Differences are in points on a 0-100 rescale of the metric's declared range (percentage
    points for rates; ``diff_native`` keeps the metric's own units); see :func:`compare_cell`
    for the tests. ``p`` tests ``|shift| <= tolerance_points`` (0: no shift), and the printed
    interval comes from the same reference distribution, so a row significant after
    correction has an interval that excludes the tolerance (and 0).

    Correction: one family per candidate arm over everything compared (every task, condition,
    metric and item, however the runs were split into logs): weighted Holm (or BH) with the
    item rows sharing ``1 - s.pooled_share`` of alpha and the pooled rows ``s.pooled_share``,
    so a whole-family shift is never diluted by dozens of items.
    """
    keys = list(keys)
    all_codes, arm_names = _sorted_codes(table[arm])
    # the arms in the order they first appear (codes, not a million strings)
    present = [str(arm_names[c]) for c in pd.unique(all_codes)]
    if baseline not in present:
        known = ", ".join(sorted(present))
        raise ValueError(f"--baseline {baseline!r} is not a {arm} in these logs (have: {known})")
    arms = [x for x in present if x != baseline]
    code_of = {str(name): i for i, name in enumerate(arm_names)}
    columns = [arm, "baseline", *keys, "level", "scale", *COMPARISON_FIELDS]
    columns += ["p_adjusted", "significant", "correction"]
    work = table[table["scored"]]
    values = work["value"].to_numpy(dtype=float)
    units = _item_units(work)
    ckpts = _checkpoints(work)
    arm_col = all_codes[table["scored"].to_numpy(dtype=bool)]
    rows = []
    no_baseline: list[str] = []
    all_cells = list(cells(work, keys, pooled=s.pooled))
    components = _seed_components(all_cells, values, units, ckpts, arm_col, arms, baseline, code_of)
    for cell in all_cells:
        idx = cell.rows
        base_idx = idx[arm_col[idx] == code_of[baseline]]
        if base_idx.size == 0:
            if cell.level == "item":
                no_baseline.append("/".join(cell.key.values()))
            continue
        scale = _scale_of(cell)
        for other in arms:
            cand_idx = idx[arm_col[idx] == code_of[other]]
            if cand_idx.size == 0:
                continue
            component = components.get(_component_key(other, cell))
            c = compare_cell(
                values,
                units,
                ckpts,
                cand_idx,
                base_idx,
                scale,
                s,
                tolerance_points,
                component if cell.level == "item" else None,
            )
            rows.append(
                {
                    arm: other,
                    "baseline": baseline,
                    **cell.key,
                    "level": cell.level,
                    "scale": scale.label,
                    **c.__dict__,
                }
            )
    out = pd.DataFrame(
        rows, columns=[c for c in columns if c not in ("p_adjusted", "significant", "correction")]
    )
    if out.empty:
        empty = pd.DataFrame(columns=columns)
        empty.attrs["no_baseline"] = no_baseline
        return empty
    out["p_adjusted"] = np.nan
    for _, found in out.groupby(arm, observed=True).indices.items():
        idx = np.asarray(found, dtype=np.int64)
        out.loc[out.index[idx], "p_adjusted"] = adjust_two_families(
            out["p"].to_numpy()[idx], out["level"].to_numpy()[idx], s
        )
    out["significant"] = out["p_adjusted"] < s.alpha
    out["correction"] = correction_text(s)
    out = out[columns]
    out.attrs["no_baseline"] = no_baseline  # cells not compared: say so, never drop silently
    return out


def _component_key(arm: str, cell: Cell) -> tuple[str, ...]:
    return (arm, *(cell.key.get(k, "") for k in ("condition", "family", "task", "metric")))


def _seed_components(
    all_cells: list[Cell],
    values: NDArray[np.float64],
    units: NDArray[np.int64],
    ckpts: NDArray[np.int64],
    arm_col: NDArray[np.int64],
    arms: list[str],
    baseline: str,
    code_of: dict[str, int],
) -> dict[tuple[str, ...], stats.SeedComponent]:
    """The between-seed variance pooled over the items of each task and metric (per compared
    arm and condition): seeds of one checkpoint group differ on every item, so the items
    together estimate it with many df, where one item's 3 vs 3 seeds have only 4."""
    parts: dict[tuple[str, ...], list[tuple[float, float, float, int]]] = {}
    counts: dict[tuple[str, ...], int] = {}
    for cell in all_cells:
        if cell.level != "item":
            continue
        idx = cell.rows
        base_idx = idx[arm_col[idx] == code_of[baseline]]
        for other in arms:
            cand_idx = idx[arm_col[idx] == code_of[other]]
            if cand_idx.size == 0 or base_idx.size == 0:
                continue
            ka, kb = ckpts[cand_idx], ckpts[base_idx]
            if max(np.unique(ka).size, np.unique(kb).size) < 2:
                continue
            scale = _scale_of(cell)
            a = (values[cand_idx] - scale.lo) / scale.span
            b = (values[base_idx] - scale.lo) / scale.span
            got = _seed_parts(a, b, units[cand_idx], units[base_idx], ka, kb)
            key = _component_key(other, cell)
            parts.setdefault(key, []).extend(got)
            counts[key] = counts.get(key, 0) + (1 if got else 0)
    out = {}
    for key, got in parts.items():
        sc = stats.pooled_seed_component(got)
        out[key] = stats.SeedComponent(sc.var, sc.df, counts[key])
    return out


def family_weights(levels: NDArray[np.object_], share: float) -> NDArray[np.float64]:
    """Weights of a two-family weighted correction: items share ``1 - share``, pooled rows
    ``share`` (all to one family when the other is empty)."""
    pooled = levels == "pooled"
    n_pooled, n_items = int(pooled.sum()), int((~pooled).sum())
    if n_pooled == 0 or n_items == 0:
        return np.ones(levels.size)
    return np.where(pooled, share / n_pooled, (1 - share) / n_items)


def adjust_two_families(
    p: NDArray[np.float64], levels: NDArray[np.object_], s: Settings
) -> NDArray[np.float64]:
    return stats.adjust(p, s.correction, family_weights(levels, s.pooled_share))


def correction_text(s: Settings) -> str:
    return (
        f"weighted {stats.CORRECTION_NAMES[s.correction]} over every comparison of the "
        f"invocation, items sharing {100 * (1 - s.pooled_share):g}% and pooled rows "
        f"{100 * s.pooled_share:g}% of alpha"
    )
