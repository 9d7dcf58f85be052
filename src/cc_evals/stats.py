"""The one statistics module: intervals, seed analysis, comparisons and multiplicity corrections.

What the report and the gate use (docs/methods.md says which applies where and why):
- estimates: :func:`effective_n_interval` (Korn-Graubard: Clopper-Pearson at a design-based
  effective sample size), over prompts or with prompts held fixed; :func:`t_interval` over seeds;
- comparisons: :func:`stratified_shift_test` (arms compared within each unit, Mantel-Haenszel
  weights, CMH / stratified mean-score z, a within-unit permutation check for small cells) and
  :func:`seed_level_shift_test` (two-way seed x unit model, between-seed variance pooled over
  items by :func:`pooled_seed_component`), both also testing ``|shift| <= tolerance``;
- seeds: :func:`seed_prompt_anova` (two-way, no replication); :func:`seed_variation` (one-way,
  for a single prompt);
- corrections: weighted Holm and Benjamini-Hochberg (:func:`adjust`).
The remaining interval and test functions (Wilson, Newcombe, two-proportion z, cluster
bootstrap, permutation tests, Welch t) are kept as checked building blocks.
Every function returns plain floats or small dataclasses so results go straight into tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

Correction = Literal["holm", "bh"]

DEFAULT_CONFIDENCE = 0.95
DEFAULT_BOOTSTRAP = 2000
DEFAULT_PERMUTATIONS = 5000


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return float(sps.norm.ppf(0.5 + confidence / 2))


def wilson_interval(
    successes: float, n: float, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n``.

    Unlike the Wald interval it has positive width at 0/n and n/n and stays inside [0, 1].
    ``n == 0`` has no information: the interval is (nan, nan) so no one reads it as a result.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # clamp rounding noise; exact bounds at the edges
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


def t_interval(
    values: ArrayLike, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float, float]:
    """Mean and Student-t interval, e.g. over per-seed rates (seeds are the unit).

    Returns (mean, lo, hi); with fewer than two values there is no spread, so the interval is
    (nan, nan) rather than a misleading zero width.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size < 2:
        return (mean, math.nan, math.nan)
    se = float(x.std(ddof=1) / math.sqrt(x.size))
    tcrit = float(sps.t.ppf(0.5 + confidence / 2, df=x.size - 1))
    return (mean, mean - tcrit * se, mean + tcrit * se)


@dataclass(frozen=True)
class Clustered:
    """Values summed per cluster: the sufficient statistics for a ratio-of-sums bootstrap."""

    sums: NDArray[np.float64]
    counts: NDArray[np.float64]

    @property
    def n_clusters(self) -> int:
        return int(self.sums.size)

    @property
    def mean(self) -> float:
        total = self.counts.sum()
        return float(self.sums.sum() / total) if total else math.nan


def cluster_sums(values: ArrayLike, clusters: ArrayLike) -> Clustered:
    """Collapse per-sample values to per-cluster sums and counts (NaN values dropped)."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(clusters)
    if v.shape != c.shape:
        raise ValueError(f"values and clusters differ in length: {v.shape} vs {c.shape}")
    keep = ~np.isnan(v)
    v, c = v[keep], c[keep]
    if v.size == 0:
        return Clustered(np.zeros(0), np.zeros(0))
    _, inverse = np.unique(c, return_inverse=True)
    sums = np.bincount(inverse, weights=v)
    counts = np.bincount(inverse).astype(float)
    return Clustered(sums, counts)


def _bootstrap_means(
    data: Clustered, n_boot: int, rng: np.random.Generator, chunk: int = 256
) -> NDArray[np.float64]:
    """Ratio-of-sums means of ``n_boot`` cluster resamples (clusters drawn with replacement)."""
    g = data.n_clusters
    out = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, g, size=(b, g))
        out[start : start + b] = data.sums[idx].sum(axis=1) / data.counts[idx].sum(axis=1)
    return out


def cluster_bootstrap(
    values: ArrayLike,
    clusters: ArrayLike,
    *,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean and percentile interval from resampling whole clusters (prompts) with replacement.

    Samples of one prompt over epochs or seeds are correlated, so resampling samples would
    understate the uncertainty; resampling prompts treats the prompt as the unit. The same
    ``seed`` gives the same interval. Returns (mean, lo, hi); (mean, nan, nan) with one cluster.
    """
    data = cluster_sums(values, clusters)
    return bootstrap_clustered(data, n_boot=n_boot, confidence=confidence, seed=seed)


def bootstrap_clustered(
    data: Clustered,
    *,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> tuple[float, float, float]:
    """:func:`cluster_bootstrap` on already collapsed clusters."""
    if data.n_clusters == 0:
        return (math.nan, math.nan, math.nan)
    if data.n_clusters < 2:
        return (data.mean, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = _bootstrap_means(data, n_boot, rng)
    alpha = 1 - confidence
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return (data.mean, float(lo), float(hi))


def bootstrap_difference(
    a: Clustered,
    b: Clustered,
    *,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Difference of means ``a - b`` with a percentile interval, each arm resampled by cluster."""
    diff = a.mean - b.mean
    if a.n_clusters < 2 or b.n_clusters < 2:
        return (diff, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    boot = _bootstrap_means(a, n_boot, rng) - _bootstrap_means(b, n_boot, rng)
    alpha = 1 - confidence
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return (diff, float(lo), float(hi))


def newcombe_interval(
    k1: float, n1: float, k2: float, n2: float, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval (method 10, from two Wilsons).

    Keeps positive width when both arms are at 0% or 100%, where the Wald interval collapses.
    """
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, lo, hi)


def two_proportion_z(k1: float, n1: float, k2: float, n2: float) -> tuple[float, float]:
    """Pooled two-proportion z test of p1 == p2; returns (z, two-sided p).

    When both arms are all-0 or all-1 there is no evidence of a difference: (0, 1).
    """
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    pooled = (k1 + k2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var == 0:
        return (0.0, 1.0)
    z = (k1 / n1 - k2 / n2) / math.sqrt(var)
    return (z, float(2 * sps.norm.sf(abs(z))))


def permutation_test(
    a: ArrayLike,
    b: ArrayLike,
    *,
    n_perm: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> float:
    """Two-sided permutation p-value for a difference in means of two sets of units.

    Pass unit-level values (per-prompt means) so that the prompt, not the sample, is exchanged.
    Uses the (count + 1) / (n_perm + 1) estimate, so p is never exactly 0.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size == 0 or y.size == 0:
        return math.nan
    pooled = np.concatenate([x, y])
    observed = abs(x.mean() - y.mean())
    rng = np.random.default_rng(seed)
    count = 0
    chunk = 512
    for start in range(0, n_perm, chunk):
        m = min(chunk, n_perm - start)
        perms = rng.permuted(np.tile(pooled, (m, 1)), axis=1)
        diffs = np.abs(perms[:, : x.size].mean(axis=1) - perms[:, x.size :].mean(axis=1))
        count += int(np.sum(diffs >= observed - 1e-12))
    return (count + 1) / (n_perm + 1)


def paired_permutation_test(
    differences: ArrayLike,
    *,
    n_perm: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> float:
    """Two-sided sign-flip permutation p-value for a mean paired difference of zero.

    Pass one difference per prompt (candidate's per-prompt mean minus baseline's) when both arms
    saw the same prompts: prompt difficulty cancels, so this is more powerful than the unpaired
    test and just as valid. Uses (count + 1) / (n_perm + 1), so p is never exactly 0.
    """
    x = np.asarray(differences, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan
    observed = abs(x.mean())
    if observed == 0 and not np.any(x):
        return 1.0
    rng = np.random.default_rng(seed)
    count = 0
    chunk = 512
    for start in range(0, n_perm, chunk):
        m = min(chunk, n_perm - start)
        signs = rng.integers(0, 2, size=(m, x.size)) * 2 - 1
        diffs = np.abs((signs * x).mean(axis=1))
        count += int(np.sum(diffs >= observed - 1e-12))
    return (count + 1) / (n_perm + 1)


def cluster_mean_variance(data: Clustered) -> float:
    """Sampling variance of a ratio-of-sums mean with clusters (prompts) as the unit.

    The linearised (sandwich) estimate g/(g-1) * sum((s_i - m c_i)^2) / C^2; nan with fewer
    than two clusters.
    """
    g = data.n_clusters
    if g < 2:
        return math.nan
    total = float(data.counts.sum())
    m = float(data.sums.sum()) / total
    resid = data.sums - m * data.counts
    return float(g / (g - 1) * (resid**2).sum() / total**2)


def welch_t(
    diff: float,
    variances: Sequence[float],
    dfs: Sequence[float],
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[float, float, float] | None:
    """Interval and two-sided p for a difference with per-arm variances and degrees of freedom
    (Welch-Satterthwaite). None when the total variance is zero or undefined."""
    var = float(sum(variances))
    if not var > 0 or math.isnan(var):
        return None
    denom = sum(v * v / max(df, 1.0) for v, df in zip(variances, dfs, strict=True))
    df = var * var / denom if denom > 0 else float(max(dfs))
    se = math.sqrt(var)
    tcrit = float(sps.t.ppf(0.5 + confidence / 2, df=df))
    p = float(2 * sps.t.sf(abs(diff) / se, df=df))
    return (diff - tcrit * se, diff + tcrit * se, p)


@dataclass(frozen=True)
class SeedVariation:
    """Between-seed variation of one quantity (checkpoint group x dimension)."""

    n_seeds: int
    f_statistic: float
    p_value: float
    icc: float
    significant: bool
    test: str = "one-way ANOVA"

    def describe(self) -> str:
        if math.isnan(self.p_value):
            return f"not testable ({self.n_seeds} seed(s) with data)"
        yes = "yes" if self.significant else "no"
        return f"significant variation across seeds: {yes}, p={self.p_value:.3g} ({self.test})"


def seed_variation(groups: Sequence[ArrayLike], alpha: float = 0.05) -> SeedVariation:
    """One-way ANOVA across seeds (scipy ``f_oneway``) and an ICC(1) estimate.

    ``groups`` holds one array of per-sample values per seed. ICC(1) is
    (MSB - MSW) / (MSB + (k0 - 1) MSW) with k0 the adjusted mean group size for unequal sizes;
    it is the share of variance between seeds (clipped at 0; negative estimates mean none).
    """
    arrays = [np.asarray(g, dtype=float) for g in groups]
    arrays = [g[~np.isnan(g)] for g in arrays]
    arrays = [g for g in arrays if g.size > 0]
    k = len(arrays)
    n = sum(g.size for g in arrays)
    if k < 2 or n - k < 1:
        return SeedVariation(k, math.nan, math.nan, math.nan, False)
    all_values = np.concatenate(arrays)
    grand = all_values.mean()
    ssb = sum(g.size * (g.mean() - grand) ** 2 for g in arrays)
    ssw = sum(((g - g.mean()) ** 2).sum() for g in arrays)
    msb = ssb / (k - 1)
    msw = ssw / (n - k)
    if msw == 0:
        # no spread inside any seed: all variation (if any) is between seeds
        f, p = (math.inf, 0.0) if msb > 0 else (math.nan, 1.0)
        icc = 1.0 if msb > 0 else 0.0
        return SeedVariation(k, f, p, icc, bool(msb > 0))
    result = sps.f_oneway(*arrays)
    f, p = float(result.statistic), float(result.pvalue)
    sizes = np.array([g.size for g in arrays], dtype=float)
    k0 = (n - (sizes**2).sum() / n) / (k - 1)
    icc = max(0.0, float((msb - msw) / (msb + (k0 - 1) * msw)))
    return SeedVariation(k, f, p, icc, p < alpha)


# ---------- comparisons that fit the design: arms compared within each unit ----------


@dataclass(frozen=True)
class ShiftTest:
    """A difference between two arms on values rescaled to [0, 1], its interval and test.

    ``diff`` is candidate minus baseline; ``lo``/``hi`` are ``diff -/+ crit * se`` (clipped to
    [-1, 1]), with ``crit`` from the same reference distribution (normal or t with ``df``) as
    ``p``, so the interval excludes the tolerance exactly when the normal/t test rejects.
    ``p`` tests ``|shift| <= tolerance`` (two-sided at the nearer boundary; ``tolerance = 0`` is
    the usual test of no shift); ``p_permutation`` is the within-unit permutation p of no shift
    where it was computed (small cells), and ``p`` is never below it.
    """

    diff: float
    se: float
    lo: float
    hi: float
    p: float
    df: float
    n_units: int
    method: str
    p_permutation: float = math.nan


def _tolerance_p(diff: float, se: float, tolerance: float, df: float) -> float:
    """Two-sided p for ``|shift| <= tolerance`` at the nearer boundary (1 inside it)."""
    if not se > 0:
        return 1.0 if abs(diff) <= tolerance else 0.0
    stat = (abs(diff) - tolerance) / se
    tail = sps.norm.sf(stat) if math.isinf(df) else sps.t.sf(stat, df=df)
    return float(min(1.0, 2 * tail))


def _crit(confidence: float, df: float) -> float:
    if math.isinf(df):
        return _z(confidence)
    return float(sps.t.ppf(0.5 + confidence / 2, df=df))


@dataclass(frozen=True)
class Strata:
    """Per-unit sufficient statistics of two arms (``a`` candidate, ``b`` baseline)."""

    n_a: NDArray[np.float64]
    n_b: NDArray[np.float64]
    sum_a: NDArray[np.float64]
    sum_b: NDArray[np.float64]
    sumsq: NDArray[np.float64]  # both arms together

    @classmethod
    def of(cls, values: ArrayLike, is_a: ArrayLike, units: ArrayLike) -> Strata:
        v = np.asarray(values, dtype=float)
        a = np.asarray(is_a, dtype=bool)
        _, inv = np.unique(np.asarray(units), return_inverse=True)
        g = int(inv.max()) + 1 if inv.size else 0

        def count(
            mask: NDArray[np.bool_], w: NDArray[np.float64] | None = None
        ) -> NDArray[np.float64]:
            got = np.bincount(inv[mask], weights=None if w is None else w[mask], minlength=g)
            return got.astype(float)

        return cls(
            n_a=count(a).astype(float),
            n_b=count(~a).astype(float),
            sum_a=count(a, v),
            sum_b=count(~a, v),
            sumsq=np.bincount(inv, weights=v * v, minlength=g),
        )


def stratified_shift_test(
    values: ArrayLike,
    is_candidate: ArrayLike,
    units: ArrayLike,
    *,
    tolerance: float = 0.0,
    confidence: float = DEFAULT_CONFIDENCE,
    n_perm: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    permute_below: int = 40,
    permute_if_below: float = 1.0,
) -> ShiftTest:
    """Compare two arms within each unit (prompt, question, Petri seed, document) and combine.

    The estimate is the Mantel-Haenszel-weighted mean of the per-unit differences,
    ``sum w_u d_u / sum w_u`` with ``w_u = n_a n_b / (n_a + n_b)``; its standard error is the
    within-unit permutation standard error (the pooled variance of each unit's values), so
    z^2 is the Cochran-Mantel-Haenszel statistic for binary values (without continuity
    correction) and its generalisation to scores (the stratified mean-score test). The units
    are held fixed (the question is "did the arms differ on this instrument?"), so one fixed
    question with 16 samples a side can be significant. Units seen by only one arm carry no
    within-unit information and are left out. When the smaller arm has fewer than
    ``permute_below`` samples (and the normal p is below ``permute_if_below``, e.g. alpha: a p
    above alpha cannot become significant) the within-unit permutation p of no shift is also
    computed (``n_perm`` Monte-Carlo permutations of the arm labels inside each unit) and the
    reported p is the larger of the two, so a small cell is never more significant than its
    exact test.
    """
    v = np.asarray(values, dtype=float)
    a = np.asarray(is_candidate, dtype=bool)
    u = np.asarray(units)
    keep = ~np.isnan(v)
    v, a, u = v[keep], a[keep], u[keep]
    st = Strata.of(v, a, u)
    both = (st.n_a > 0) & (st.n_b > 0)
    n_units = int(both.sum())
    if n_units == 0:
        return ShiftTest(
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.inf,
            0,
            "no unit seen by both arms",
        )
    na, nb = st.n_a[both], st.n_b[both]
    sa, sb, sq = st.sum_a[both], st.sum_b[both], st.sumsq[both]
    n = na + nb
    w = na * nb / n
    d = sa / na - sb / nb
    tot = sa + sb
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled_var = np.where(n > 1, (sq - tot * tot / n) / (n - 1), 0.0)
    pooled_var = np.clip(pooled_var, 0.0, None)
    big_w = float(w.sum())
    diff = float((w * d).sum() / big_w)
    se = math.sqrt(float((w * pooled_var).sum())) / big_w
    floor = ""
    if se == 0:
        # every unit constant across both arms (all 0, all at the limit): no spread to measure,
        # so use the variance of a [0, 1] value at the pooled mean after adding two samples at
        # each limit (Agresti-Caffo), which keeps the interval from collapsing to a point
        p_tilde = (float(tot.sum()) + 2) / (float(n.sum()) + 4)
        se = math.sqrt(p_tilde * (1 - p_tilde) * float((w * n / (n - 1)).sum()))
        se /= big_w
        floor = "; no spread within any unit: Agresti-Caffo variance"
    df = math.inf
    p = _tolerance_p(diff, se, tolerance, df)
    crit = _crit(confidence, df)
    lo, hi = max(-1.0, diff - crit * se), min(1.0, diff + crit * se)
    where = "this unit" if n_units == 1 else f"{n_units} units"
    method = (
        f"within-unit comparison over {where} (Mantel-Haenszel weights; CMH/stratified "
        "mean-score z test"
    )
    method += floor
    p_perm = math.nan
    if p < permute_if_below and min(na.sum(), nb.sum()) < permute_below:
        sel = np.isin(np.unique(u, return_inverse=True)[1], np.flatnonzero(both))
        p_perm = _within_unit_permutation(v[sel], a[sel], u[sel], n_perm=n_perm, seed=seed)
        if p_perm > 1.5 / (n_perm + 1):
            # no permutation as extreme as the data: the exact p is below what n_perm can
            # resolve, so the check passes (else it would floor every p at 1 / (n_perm + 1))
            p = max(p, p_perm)
        method += f"; p no smaller than the within-unit permutation p ({n_perm} permutations)"
    method += ")"
    return ShiftTest(diff, se, lo, hi, p, df, n_units, method, p_perm)


def _within_unit_permutation(
    values: NDArray[np.float64],
    is_a: NDArray[np.bool_],
    units: NDArray[Any],
    *,
    n_perm: int,
    seed: int,
) -> float:
    """Two-sided Monte-Carlo p of no shift: arm labels shuffled inside each unit.

    The statistic is the candidate arm's total, whose permutation mean is fixed, so
    ``|T - E[T]|`` is compared; (count + 1) / (n_perm + 1), never exactly 0.
    """
    _, inv = np.unique(units, return_inverse=True)
    order = np.lexsort((~is_a, inv))  # within each unit: candidate samples first
    v = values[order]
    code = inv[order].astype(float)
    mask = is_a[order]
    n_u = np.bincount(inv)
    tot_u = np.bincount(inv, weights=values)
    na_u = np.bincount(inv[is_a], minlength=n_u.size)
    expected = float((na_u * tot_u / n_u).sum())
    observed = abs(float(v[mask].sum()) - expected)
    rng = np.random.default_rng(seed)
    count = 0
    chunk = max(1, min(n_perm, 2_000_000 // max(1, v.size)))
    for start in range(0, n_perm, chunk):
        m = min(chunk, n_perm - start)
        keys = code[None, :] + rng.random((m, v.size))
        perm = np.argsort(keys, axis=1)
        t = (v[perm] * mask[None, :]).sum(axis=1)
        count += int(np.sum(np.abs(t - expected) >= observed - 1e-9))
    return (count + 1) / (n_perm + 1)


@dataclass(frozen=True)
class SeedPromptAnova:
    """Two-way seed x unit decomposition of cell means inside one arm (or pooled over arms).

    ``ms_seed``: variance of the unit-adjusted seed means times the units (df ``df_seed``);
    ``ms_interaction``: the seed x unit residual mean square (df ``df_interaction``), which
    also holds the sampling noise of the cell means.
    """

    seed_means: NDArray[np.float64]
    n_units: int
    ms_seed: float
    df_seed: float
    ms_interaction: float
    df_interaction: float

    @property
    def f_statistic(self) -> float:
        if not self.ms_interaction > 0 or self.df_seed < 1:
            return math.nan
        return self.ms_seed / self.ms_interaction

    @property
    def p_value(self) -> float:
        f = self.f_statistic
        if math.isnan(f) or self.df_interaction < 1:
            return math.nan
        return float(sps.f.sf(f, self.df_seed, self.df_interaction))


def seed_prompt_anova(cells: NDArray[np.float64]) -> SeedPromptAnova:
    """Two-way ANOVA without replication on a complete seeds x units matrix of cell means."""
    s, k = cells.shape
    seed_means = cells.mean(axis=1)
    if s < 2:
        return SeedPromptAnova(seed_means, k, math.nan, 0.0, math.nan, 0.0)
    resid = cells - seed_means[:, None] - cells.mean(axis=0)[None, :] + cells.mean()
    df_seed = float(s - 1)
    df_int = float((s - 1) * (k - 1))
    ms_seed = float(k * seed_means.var(ddof=1))
    ms_int = float((resid**2).sum() / df_int) if df_int > 0 else math.nan
    return SeedPromptAnova(seed_means, k, ms_seed, df_seed, ms_int, df_int)


POOL_SEEDS_ABOVE = 0.5
MIN_ITEMS_FOR_POOLED_SEEDS = 3
"""Items of one task and metric needed to estimate the between-seed variance across them."""
"""Pool the between-seed mean square into the error when the seed F test's p exceeds this."""


@dataclass(frozen=True)
class SeedComponent:
    """Between-seed variance of a seed's mean (0-1 rescale), pooled over the items of a task
    and metric: ``sum df_i (MS_seed,i - MS_int,i) / K_i / sum df_i``, truncated at 0."""

    var: float
    df: float
    n_items: int


def pooled_seed_component(parts: Sequence[tuple[float, float, float, int]]) -> SeedComponent:
    """From (ms_seed, df_seed, ms_noise, units) of each item and arm with two or more seeds."""
    usable = [(m, d, e, k) for m, d, e, k in parts if d > 0 and k > 0 and not math.isnan(e)]
    df = sum(d for _, d, _, _ in usable)
    if df == 0:
        return SeedComponent(math.nan, 0.0, 0)
    est = sum(d * (m - e) / k for m, d, e, k in usable) / df
    return SeedComponent(max(0.0, est), df, len(usable))


def seed_level_shift_test(
    cand_cells: NDArray[np.float64],
    base_cells: NDArray[np.float64],
    *,
    cell_sampling_var: float,
    cell_sampling_df: float,
    tolerance: float = 0.0,
    confidence: float = DEFAULT_CONFIDENCE,
    seed_component: SeedComponent | None = None,
) -> ShiftTest | None:
    """Checkpoints (seeds) as the unit, units (prompts) kept paired: a two-way seed x unit model.

    ``*_cells`` are seeds x units matrices of cell means over the same units. The shift is the
    difference of the arms' mean seed means, so unit difficulty cancels exactly (pairing by
    unit is kept). Its variance is ``V (1/S_a + 1/S_b) / K`` where ``V`` is the between-seed
    mean square (df: seeds - 2) when the seed F test against the seed x unit interaction (or,
    with one unit, the sampling variance of a cell mean) has p <= :data:`POOL_SEEDS_ABOVE`, and
    otherwise both mean squares pooled (Bancroft's sometimes-pool rule). When seeds do not
    really differ the pooled term (many df) is used, so 3 vs 3 seeds keep almost the power of
    the pooled comparison; when they do, the t test over seed means (few df) takes over.
    None when neither side has two seeds or nothing varies.
    """
    sa, k = cand_cells.shape
    sb = base_cells.shape[0]
    if max(sa, sb) < 2 or k == 0:
        return None
    parts = [seed_prompt_anova(c) for c in (cand_cells, base_cells)]
    df_seed = sum(p.df_seed for p in parts)
    ms_seed = sum(p.ms_seed * p.df_seed for p in parts if p.df_seed) / df_seed
    df_int = sum(p.df_interaction for p in parts)
    if df_int > 0:
        ms_int = sum(p.ms_interaction * p.df_interaction for p in parts if p.df_interaction)
        ms_int /= df_int
        floor_what = f"seed x unit interaction (df {df_int:g})"
    else:
        ms_int, df_int = cell_sampling_var, cell_sampling_df
        floor_what = f"sampling variance of a cell mean (df {df_int:g})"
    if not (ms_seed > 0 or ms_int > 0):
        return None
    f_p = float(sps.f.sf(ms_seed / ms_int, df_seed, df_int)) if ms_int > 0 and df_seed else 0.0
    sc = seed_component
    if sc is not None and sc.n_items >= MIN_ITEMS_FOR_POOLED_SEEDS and not math.isnan(sc.var):
        # the between-seed variance estimated from every item of the task and metric (many
        # df), plus this item's own seed-free noise: Satterthwaite df for the sum
        noise, seed = ms_int / k, sc.var
        var = (noise + seed) * k
        denom = noise**2 / max(df_int, 1.0) + (seed**2 / sc.df if seed > 0 else 0.0)
        df = (noise + seed) ** 2 / denom if denom > 0 else max(df_int, 1.0)
        what = (
            f"{floor_what} plus the between-seed variance pooled over {sc.n_items} items "
            f"(df {sc.df:g}; Satterthwaite df {df:.3g})"
        )
    elif f_p > POOL_SEEDS_ABOVE:
        # seeds no more spread than the seed-free noise: pool the two mean squares (Bancroft's
        # sometimes-pool rule at 0.25, which keeps the size near nominal)
        var = (ms_seed * df_seed + ms_int * df_int) / (df_seed + df_int)
        df = df_seed + df_int
        what = (
            f"between-seed and {floor_what.split(' (')[0]} pooled (df {df:g}; seed F test "
            f"p = {f_p:.2g} > {POOL_SEEDS_ABOVE:g})"
        )
    else:
        var, df = max(ms_seed, ms_int), df_seed
        what = f"between-seed variance (df {df_seed:g}; seed F test p = {f_p:.2g})"
    diff = float(parts[0].seed_means.mean() - parts[1].seed_means.mean())
    se = math.sqrt(var * (1 / sa + 1 / sb) / k)
    p = _tolerance_p(diff, se, tolerance, df)
    crit = _crit(confidence, df)
    method = (
        f"two-way seed x unit model over {k} unit(s), {sa} vs {sb} seeds: t on the difference "
        f"of seed means (paired by unit); error term: {what}"
    )
    return ShiftTest(
        diff, se, max(-1.0, diff - crit * se), min(1.0, diff + crit * se), p, df, k, method
    )


def _weights(p: NDArray[np.float64], weights: ArrayLike | None) -> NDArray[np.float64]:
    w = np.ones(p.shape) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != p.shape or np.any(w[~np.isnan(p)] <= 0):
        raise ValueError("weights must be positive and one per p-value")
    return w


def holm(pvalues: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    """Holm step-down adjusted p-values (family-wise error), NaNs kept in place and ignored.

    With ``weights`` this is the weighted Holm procedure (Holm 1979): hypotheses are ordered by
    ``p / w`` and the step-k multiplier is the remaining weight over ``w``; equal weights give
    the usual Holm. Family-wise error over all non-NaN p-values is controlled at any alpha.
    """
    p = np.asarray(pvalues, dtype=float)
    w = _weights(p, weights)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    q, wk = p[ok], w[ok] / w[ok].sum()
    order = np.lexsort((np.arange(q.size), q / wk))
    ws = wk[order]
    remaining = np.cumsum(ws[::-1])[::-1]
    adj = np.minimum(1.0, np.maximum.accumulate(q[order] / ws * remaining))
    res = np.empty(q.size)
    res[order] = adj
    out[ok] = res
    return out


def benjamini_hochberg(pvalues: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    """Benjamini-Hochberg step-up adjusted p-values (false discovery rate), NaNs ignored.

    With ``weights`` (rescaled to average 1) this is the weighted BH of Genovese, Roeder and
    Wasserman (2006): BH applied to ``p / w``.
    """
    p = np.asarray(pvalues, dtype=float)
    w = _weights(p, weights)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    m = int(ok.sum())
    q = p[ok] / (w[ok] / w[ok].mean())
    order = np.argsort(q, kind="stable")
    scaled = q[order] * m / np.arange(1, m + 1)
    adj = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def adjust(
    pvalues: ArrayLike, method: Correction, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Adjusted p-values by name: ``holm`` or ``bh`` (optionally weighted)."""
    if method == "holm":
        return holm(pvalues, weights)
    if method == "bh":
        return benjamini_hochberg(pvalues, weights)
    raise ValueError(f"unknown correction {method!r}; one of holm, bh")


def effective_n_interval(
    mean: float, variance: float, n: float, df: float, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Korn-Graubard interval for a mean in [0, 1] with a design-based variance.

    The effective sample size ``n_eff = p (1 - p) / variance`` (at most ``n``) is shrunk by
    ``(t_{n-1} / t_df)^2`` for the few degrees of freedom of the variance estimate, and a
    Clopper-Pearson interval is taken at ``p * n_eff`` successes out of ``n_eff`` (Korn and
    Graubard 1998, the survey interval for proportions with few clusters). With zero variance
    (every value at one limit) pass ``variance = nan``: ``n_eff = n`` is used as is.
    """
    if n <= 0 or math.isnan(mean):
        return (math.nan, math.nan)
    p = min(1.0, max(0.0, mean))
    n_eff = float(n)
    if variance > 0 and 0 < p < 1:
        n_eff = min(float(n), p * (1 - p) / variance)
    if n > 1 and df >= 1:
        q = 0.5 + confidence / 2
        n_eff *= (float(sps.t.ppf(q, n - 1)) / float(sps.t.ppf(q, df))) ** 2
    n_eff = max(n_eff, 1e-9)
    x = p * n_eff
    alpha = 1 - confidence
    lo = 0.0 if x <= 0 else float(sps.beta.ppf(alpha / 2, x, n_eff - x + 1))
    hi = 1.0 if x >= n_eff else float(sps.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return (lo, hi)


CORRECTION_NAMES: dict[str, str] = {
    "holm": "Holm (family-wise error)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
}
