"""The one statistics module: intervals, seed analysis, comparisons and multiplicity corrections.

Why these methods: the published numbers used a Wald interval (zero width at 0% and 100%) pooled
over samples that repeat the same prompt over epochs, and one fine-tuning seed. Here
- proportions get a Wilson score interval, which is never zero-width and is defined for n = 1;
- when a prompt is sampled several times (epochs, seeds) the prompt is the independent unit, so
  means and rates get a cluster (prompt-level) bootstrap, reproducible with a seed;
- checkpoint groups with several seeds get a t interval over seed means and a one-way ANOVA
  plus an ICC(1) estimate of how much of the variance lies between seeds;
- differences get a Newcombe (Wilson-based) interval with a two-proportion z test, or a
  cluster bootstrap interval with a cluster permutation test; p-values over many dimensions are
  Holm or Benjamini-Hochberg adjusted.
Every function returns plain floats so results go straight into tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

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

    def describe(self) -> str:
        if math.isnan(self.p_value):
            return f"not testable ({self.n_seeds} seed(s) with data)"
        yes = "yes" if self.significant else "no"
        return f"significant variation across seeds: {yes}, p={self.p_value:.3g}"


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


def _adjust_finite(
    pvalues: ArrayLike, step: Callable[[NDArray[np.float64]], NDArray[np.float64]]
) -> NDArray[np.float64]:
    """Apply ``step`` to the sorted non-NaN p-values; NaNs stay in place and are not counted."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    if q.size == 0:
        return out
    order = np.argsort(q, kind="stable")
    result = np.empty(q.size)
    result[order] = step(q[order])
    out[ok] = result
    return out


def holm(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Holm step-down adjusted p-values (family-wise error), NaNs kept in place and ignored."""

    def step(sorted_p: NDArray[np.float64]) -> NDArray[np.float64]:
        m = sorted_p.size
        return np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * sorted_p))

    return _adjust_finite(pvalues, step)


def benjamini_hochberg(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Benjamini-Hochberg step-up adjusted p-values (false discovery rate), NaNs ignored."""

    def step(sorted_p: NDArray[np.float64]) -> NDArray[np.float64]:
        m = sorted_p.size
        scaled = sorted_p * m / np.arange(1, m + 1)
        return np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])

    return _adjust_finite(pvalues, step)


def adjust(pvalues: ArrayLike, method: Correction) -> NDArray[np.float64]:
    """Adjusted p-values by name: ``holm`` or ``bh``."""
    if method == "holm":
        return holm(pvalues)
    if method == "bh":
        return benjamini_hochberg(pvalues)
    raise ValueError(f"unknown correction {method!r}; one of holm, bh")


CORRECTION_NAMES: dict[str, str] = {
    "holm": "Holm (family-wise error)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
}
