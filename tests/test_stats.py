"""The statistics module against closed forms, scipy, and the edge cases the paper got wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from cc_evals import stats


def test_wilson_matches_closed_form_and_scipy() -> None:
    lo, hi = stats.wilson_interval(7, 20)
    ref = sps.binomtest(7, 20).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo == pytest.approx(ref.low, abs=1e-9)
    assert hi == pytest.approx(ref.high, abs=1e-9)


@pytest.mark.parametrize("n", [1, 5, 40, 1000])
def test_wilson_never_zero_width_at_the_edges(n: int) -> None:
    lo0, hi0 = stats.wilson_interval(0, n)
    assert lo0 == 0.0 and hi0 > 0.0
    lo1, hi1 = stats.wilson_interval(n, n)
    assert hi1 == 1.0 and lo1 < 1.0
    # symmetric about one half
    assert hi0 == pytest.approx(1 - lo1)
    ref = sps.binomtest(0, n).proportion_ci(method="wilson")
    assert hi0 == pytest.approx(ref.high, abs=1e-9)


def test_wilson_single_observation_is_wide() -> None:
    lo, hi = stats.wilson_interval(1, 1)
    assert hi == 1.0 and lo < 0.25  # one "yes" says little
    assert stats.wilson_interval(0, 0) == pytest.approx((math.nan, math.nan), nan_ok=True)
    with pytest.raises(ValueError, match="successes"):
        stats.wilson_interval(3, 2)


def test_t_interval_matches_scipy_and_n1_has_no_interval() -> None:
    values = [0.2, 0.35, 0.3, 0.28, 0.4, 0.25]
    mean, lo, hi = stats.t_interval(values)
    ref = sps.t.interval(0.95, df=5, loc=np.mean(values), scale=sps.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert (lo, hi) == pytest.approx(ref)
    mean1, lo1, hi1 = stats.t_interval([0.4])
    assert mean1 == 0.4 and math.isnan(lo1) and math.isnan(hi1)


def test_cluster_bootstrap_is_reproducible_with_a_seed_and_varies_without() -> None:
    rng = np.random.default_rng(1)
    clusters = np.repeat(np.arange(30), 5)
    prompt_rate = rng.uniform(0, 1, 30)
    values = (rng.uniform(size=150) < prompt_rate[clusters]).astype(float)
    a = stats.cluster_bootstrap(values, clusters, seed=7)
    b = stats.cluster_bootstrap(values, clusters, seed=7)
    assert a == b
    assert a[0] == pytest.approx(values.mean())
    assert a[1] < a[0] < a[2]
    # with continuous values (P(yes)) another seed moves the percentile bounds
    probs = rng.uniform(size=150)
    assert stats.cluster_bootstrap(probs, clusters, seed=7) != stats.cluster_bootstrap(
        probs, clusters, seed=8
    )


def test_cluster_bootstrap_is_wider_than_sample_bootstrap_when_prompts_correlate() -> None:
    # every prompt answered identically 10 times: 20 independent units, not 200
    rng = np.random.default_rng(3)
    per_prompt = (rng.uniform(size=20) < 0.5).astype(float)
    values = np.repeat(per_prompt, 10)
    clusters = np.repeat(np.arange(20), 10)
    _, lo_c, hi_c = stats.cluster_bootstrap(values, clusters, seed=0)
    _, lo_s, hi_s = stats.cluster_bootstrap(values, np.arange(200), seed=0)
    assert (hi_c - lo_c) > 2 * (hi_s - lo_s)


def test_cluster_bootstrap_drops_nan_and_needs_two_clusters() -> None:
    mean, lo, hi = stats.cluster_bootstrap([1.0, math.nan, 0.0], [1, 1, 1])
    assert mean == 0.5 and math.isnan(lo) and math.isnan(hi)


def test_seed_variation_detects_a_shifted_seed_and_not_identical_ones() -> None:
    rng = np.random.default_rng(0)
    same = [(rng.uniform(size=200) < 0.3).astype(float) for _ in range(6)]
    result = stats.seed_variation(same)
    ref = sps.f_oneway(*same)
    assert result.p_value == pytest.approx(ref.pvalue)
    assert result.n_seeds == 6
    shifted = [*same[:5], (rng.uniform(size=200) < 0.8).astype(float)]
    moved = stats.seed_variation(shifted)
    assert moved.significant and moved.p_value < 1e-6
    assert moved.icc > result.icc
    assert "significant variation across seeds: yes" in moved.describe()
    single = stats.seed_variation([same[0]])
    assert math.isnan(single.p_value) and "not testable" in single.describe()


def test_icc_matches_the_balanced_formula() -> None:
    groups = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array([2.0, 2.5, 3.5])]
    k, n0 = 3, 3
    grand = np.concatenate(groups).mean()
    msb = sum(n0 * (g.mean() - grand) ** 2 for g in groups) / (k - 1)
    msw = sum(((g - g.mean()) ** 2).sum() for g in groups) / (k * n0 - k)
    expected = (msb - msw) / (msb + (n0 - 1) * msw)
    assert stats.seed_variation(groups).icc == pytest.approx(expected)


def test_two_proportion_z_matches_the_chi_square_test() -> None:
    z, p = stats.two_proportion_z(30, 100, 45, 100)
    table = np.array([[30, 70], [45, 55]])
    chi2, p_chi, _, _ = sps.chi2_contingency(table, correction=False)
    assert z**2 == pytest.approx(chi2)
    assert p == pytest.approx(p_chi)
    assert stats.two_proportion_z(0, 10, 0, 10) == (0.0, 1.0)


def test_newcombe_interval_keeps_width_at_zero_zero() -> None:
    d, lo, hi = stats.newcombe_interval(0, 20, 0, 20)
    assert d == 0 and lo < 0 < hi
    d, lo, hi = stats.newcombe_interval(30, 100, 10, 100)
    assert d == pytest.approx(0.2)
    assert 0 < lo < d < hi


def test_permutation_test_reproducible_and_sensible() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1, 40)
    b = rng.normal(1.0, 1, 40)
    p = stats.permutation_test(a, b, seed=1)
    assert p == stats.permutation_test(a, b, seed=1)
    assert p < 0.01
    p_null = stats.permutation_test(a, rng.normal(0.0, 1, 40), seed=1)
    assert p_null > 0.05
    # close to the t test on the same data
    assert stats.permutation_test(a, b, n_perm=20000) == pytest.approx(
        sps.ttest_ind(a, b).pvalue, abs=0.01
    )


PVALUES = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.049, 0.0001, 0.8, 0.012]


def test_bh_matches_scipy_false_discovery_control() -> None:
    expected = sps.false_discovery_control(PVALUES, method="bh")
    assert stats.benjamini_hochberg(PVALUES) == pytest.approx(expected)
    rng = np.random.default_rng(5)
    random_p = rng.uniform(size=57) ** 3
    assert stats.adjust(random_p, "bh") == pytest.approx(
        sps.false_discovery_control(random_p, method="bh")
    )


def holm_by_definition(p: list[float]) -> list[float]:
    """Holm from its definition: adj(i) = max over j <= i in sorted order of (m - j) p(j)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def test_holm_matches_definition_and_textbook_example() -> None:
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm(PVALUES) == pytest.approx(holm_by_definition(PVALUES))
    # Holm is never less strict than BH and never more strict than Bonferroni
    bonferroni = np.minimum(1, np.array(PVALUES) * len(PVALUES))
    assert np.all(stats.holm(PVALUES) >= stats.benjamini_hochberg(PVALUES) - 1e-12)
    assert np.all(stats.holm(PVALUES) <= bonferroni + 1e-12)


def test_corrections_keep_nan_in_place() -> None:
    adjusted = stats.adjust([0.01, math.nan, 0.02], "holm")
    assert math.isnan(adjusted[1])
    assert adjusted[0] == pytest.approx(0.02) and adjusted[2] == pytest.approx(0.02)
    with pytest.raises(ValueError, match="unknown correction"):
        stats.adjust([0.1], "bonferroni")  # type: ignore[arg-type]


# ---------- within-unit comparisons, seeds, weighted corrections, Korn-Graubard ----------


def _strata(rng: np.random.Generator, n_units: int, per_arm: int, p_a: float, p_b: float):  # type: ignore[no-untyped-def]
    units = np.repeat(np.arange(n_units), 2 * per_arm)
    is_a = np.tile(np.r_[np.ones(per_arm, bool), np.zeros(per_arm, bool)], n_units)
    base = rng.uniform(0.1, 0.6, n_units)[units]  # units differ in difficulty
    v = (rng.random(units.size) < np.where(is_a, base + p_a, base + p_b)).astype(float)
    return v, is_a, units


def test_stratified_test_is_the_cochran_mantel_haenszel_test() -> None:
    from statsmodels.stats.contingency_tables import StratifiedTable

    rng = np.random.default_rng(0)
    v, is_a, units = _strata(rng, 6, 12, 0.2, 0.0)
    result = stats.stratified_shift_test(v, is_a, units, permute_below=0)
    tables = []
    for u in range(6):
        a, b = v[(units == u) & is_a], v[(units == u) & ~is_a]
        tables.append(np.array([[a.sum(), a.size - a.sum()], [b.sum(), b.size - b.sum()]]))
    cmh = StratifiedTable(tables).test_null_odds(correction=False)
    assert (result.diff / result.se) ** 2 == pytest.approx(cmh.statistic)
    assert result.p == pytest.approx(cmh.pvalue)
    # the estimate is the Mantel-Haenszel risk difference (equal arms: the mean difference)
    diffs = [t[0, 0] / 12 - t[1, 0] / 12 for t in tables]
    assert result.diff == pytest.approx(np.mean(diffs))


def test_one_fixed_question_with_16_samples_a_side_can_be_significant() -> None:
    values = np.r_[np.ones(8), np.zeros(8), np.zeros(16)]
    is_a = np.r_[np.ones(16, bool), np.zeros(16, bool)]
    result = stats.stratified_shift_test(values, is_a, np.zeros(32))
    assert result.n_units == 1 and "this unit" in result.method
    assert result.diff == 0.5 and result.p < 0.01
    # Fisher's exact test of 8/16 vs 0/16 is the exact version; the reported p is never below
    # the Monte-Carlo permutation p, which estimates it
    fisher = sps.fisher_exact([[8, 8], [0, 16]]).pvalue
    assert result.p_permutation == pytest.approx(fisher, abs=0.002)
    assert result.p >= result.p_permutation
    assert 0 < result.lo < 0.5 < result.hi


def test_interval_matches_the_test_and_the_tolerance() -> None:
    rng = np.random.default_rng(1)
    for shift in (0.0, 0.05, 0.1, 0.2):
        for tol in (0.0, 0.1):
            v, is_a, units = _strata(rng, 25, 2, shift, 0.0)
            r = stats.stratified_shift_test(v, is_a, units, tolerance=tol, permute_below=0)
            beyond = r.lo > tol or r.hi < -tol
            assert (r.p < 0.05) == beyond, (shift, tol, r)
    # inside the tolerance: p = 1
    v, is_a, units = _strata(rng, 25, 2, 0.0, 0.0)
    assert stats.stratified_shift_test(v, is_a, units, tolerance=0.5).p == 1.0


def test_stratified_test_holds_its_level_and_finds_a_shift_by_simulation() -> None:
    rng = np.random.default_rng(2)
    null = [
        stats.stratified_shift_test(*_strata(rng, 20, 2, 0.0, 0.0), permute_below=0).p < 0.05
        for _ in range(400)
    ]
    assert 0.02 <= np.mean(null) <= 0.08  # 5% within about 2.5 Monte-Carlo s.e.
    shifted = [
        stats.stratified_shift_test(*_strata(rng, 40, 2, 0.25, 0.0), permute_below=0).p < 0.05
        for _ in range(200)
    ]
    # normal approximation: se ~ sqrt(2 * 0.23 / 80) = 0.076, z = 3.3, power ~ 0.9
    assert np.mean(shifted) > 0.8


def test_spread_free_cell_keeps_an_interval_with_width() -> None:
    values = np.zeros(40)
    is_a = np.tile(np.r_[True, False], 20)
    r = stats.stratified_shift_test(values, is_a, np.repeat(np.arange(20), 2))
    assert r.diff == 0 and r.p == 1.0 and r.lo < 0 < r.hi
    assert "Agresti-Caffo" in r.method


def test_seed_prompt_anova_matches_statsmodels_two_way_anova() -> None:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(3)
    cells = rng.normal(0, 1, (4, 7)) + np.arange(4)[:, None] * 0.5 + rng.normal(0, 1, 7)
    a = stats.seed_prompt_anova(cells)
    import pandas as pd

    frame = pd.DataFrame(
        {"y": cells.ravel(), "seed": np.repeat(np.arange(4), 7), "unit": np.tile(np.arange(7), 4)}
    )
    ref = anova_lm(smf.ols("y ~ C(seed) + C(unit)", frame).fit())
    assert a.f_statistic == pytest.approx(ref.loc["C(seed)", "F"])
    assert a.p_value == pytest.approx(ref.loc["C(seed)", "PR(>F)"])
    assert a.df_interaction == ref.loc["Residual", "df"]


def test_seed_level_test_uses_the_interaction_when_seeds_do_not_differ() -> None:
    rng = np.random.default_rng(4)
    units = rng.uniform(0.2, 0.8, 25)
    same = units[None, :] + rng.normal(0, 0.05, (3, 25))
    other = units[None, :] + 0.1 + rng.normal(0, 0.05, (3, 25))
    r = stats.seed_level_shift_test(other, same, cell_sampling_var=0.0, cell_sampling_df=1)
    # seed F test not significant: seed and interaction mean squares pooled, 4 + 96 df
    assert r is not None and "seed x unit interaction pooled (df 100" in r.method
    assert r.df == 100 and r.p < 1e-6 and r.diff == pytest.approx(0.1, abs=0.02)
    ms = [stats.seed_prompt_anova(c) for c in (other, same)]
    pooled = sum(m.ms_seed * 2 + m.ms_interaction * 48 for m in ms) / 100
    assert r.se == pytest.approx(math.sqrt(pooled * (2 / 3) / 25))
    # seeds that really differ: the between-seed variance with seeds - 2 = 4 df
    spread = other + np.array([[-0.2], [0.0], [0.2]])
    r2 = stats.seed_level_shift_test(spread, same, cell_sampling_var=0.0, cell_sampling_df=1)
    assert r2 is not None and "between-seed variance (df 4" in r2.method and r2.df == 4
    assert r2.p > r.p


def test_weighted_holm_and_bh_reduce_to_the_unweighted_and_follow_their_definition() -> None:
    assert stats.holm(PVALUES, np.full(10, 3.0)) == pytest.approx(stats.holm(PVALUES))
    assert stats.benjamini_hochberg(PVALUES, np.ones(10)) == pytest.approx(
        stats.benjamini_hochberg(PVALUES)
    )
    # weighted Holm by its definition: order by p / w, multiply by the weight still in play
    p = np.array([0.001, 0.02, 0.03, 0.2])
    w = np.array([0.1, 0.1, 0.4, 0.4])
    q = p / w  # 0.01, 0.2, 0.075, 0.5 -> order 0, 2, 1, 3
    expected = np.empty(4)
    expected[0] = q[0] * 1.0
    expected[2] = max(expected[0], q[2] * 0.9)
    expected[1] = max(expected[2], q[1] * 0.5)
    expected[3] = max(expected[1], q[3] * 0.4)
    assert stats.holm(p, w) == pytest.approx(np.minimum(1, expected))
    with pytest.raises(ValueError, match="weights"):
        stats.holm(p, [1, 1, 0, 1])


def test_korn_graubard_reduces_to_clopper_pearson_without_a_design_effect() -> None:
    k, n = 7, 40
    p = k / n
    lo, hi = stats.effective_n_interval(p, p * (1 - p) / n, n, n - 1)
    ref = sps.binomtest(k, n).proportion_ci(method="exact")
    assert (lo, hi) == pytest.approx((ref.low, ref.high))
    # a design effect of 4 (prompts correlate) widens it like a quarter of the samples
    lo4, hi4 = stats.effective_n_interval(p, 4 * p * (1 - p) / n, n, n - 1)
    assert hi4 - lo4 > 1.7 * (hi - lo)
    # fewer degrees of freedom (few prompts) widen it further
    lo5, hi5 = stats.effective_n_interval(p, 4 * p * (1 - p) / n, n, 5)
    assert lo5 < lo4 and hi5 > hi4


def test_between_seed_variance_pooled_over_items_is_unbiased_and_truncated() -> None:
    rng = np.random.default_rng(5)
    parts = []
    for _ in range(22):  # 22 items, 3 seeds, 25 units, seed sd 0.05, noise sd 0.3
        cells = rng.normal(0, 0.05, (3, 1)) + rng.normal(0, 0.3, (3, 25)) + rng.uniform(0, 1, 25)
        a = stats.seed_prompt_anova(cells)
        parts.append((a.ms_seed, a.df_seed, a.ms_interaction, a.n_units))
    sc = stats.pooled_seed_component(parts)
    assert sc.df == 44 and sc.n_items == 22
    assert sc.var == pytest.approx(0.05**2, rel=0.6)
    none = [(0.5, 2.0, 1.0, 25)] * 3  # seed mean square below the noise: no seed variance
    assert stats.pooled_seed_component(none).var == 0.0
