"""`cc-evals plan`: the closed form against a simulation of the gate's own test."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from cc_evals import stats
from cc_evals.cli import main
from cc_evals.plan import Design, plan


def test_minimum_detectable_shift_has_the_stated_power_by_simulation() -> None:
    d = Design(units=10, epochs=4, items=1, pooled=False)
    sd = 0.2
    pl = plan(d, sd_within=sd, alpha=0.05, power=0.8, tolerance=0.0)
    assert pl.se_points == pytest.approx(100 * math.sqrt(2 * sd**2 / 40))
    m = pl.min_detectable_points  # the shift inflates the pooled within-unit variance
    se_at_m = 100 * math.sqrt(2 * (sd**2 + (m / 100) ** 2 / 4) / 40)
    assert m == pytest.approx((1.959964 + 0.841621) * se_at_m, 1e-5)
    rng = np.random.default_rng(0)
    units = np.tile(np.repeat(np.arange(10), 4), 2)
    is_a = np.r_[np.ones(40, bool), np.zeros(40, bool)]
    shift = pl.min_detectable_points / 100
    hits = []
    for _ in range(300):
        difficulty = rng.uniform(0.2, 0.8, 10)[units]
        v = difficulty + rng.normal(0, sd, 80) + np.where(is_a, shift, 0.0)
        hits.append(stats.stratified_shift_test(v, is_a, units, permute_below=0).p < 0.05)
    assert np.mean(hits) == pytest.approx(0.8, abs=0.07)  # 300 reps: s.e. 0.023


def test_epochs_and_seeds_needed_reach_the_target() -> None:
    d = Design(units=6, epochs=2, items=22)
    target = 20.0
    pl = plan(d, sd_within=0.3, tolerance=0.0, target=target)
    assert pl.min_detectable_points > target and pl.epochs_needed and pl.seeds_needed
    more = Design(units=6, epochs=pl.epochs_needed, items=22)
    assert plan(more, sd_within=0.3).min_detectable_points <= target
    fewer = Design(units=6, epochs=pl.epochs_needed - 1, items=22)
    assert plan(fewer, sd_within=0.3).min_detectable_points > target
    # seed variance alone larger than the target allows: no number of epochs suffices
    assert plan(d, sd_within=0.3, sd_seed=0.3, target=target).epochs_needed is None
    # alpha per cell: items share 80% of alpha when pooled rows are gated too
    assert pl.alpha_cell == pytest.approx(0.05 * 0.8 / 22)


def test_plan_command_answers_the_petri_question(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--units", "6", "--epochs", "2", "--scale", "score:1:10", "--sd", "1.5"]
    assert main([*argv, "--items", "22", "--max-shift", "0", "--shift", "33.3"]) == 0
    out = capsys.readouterr().out
    z = sps.norm.ppf(1 - 0.05 * 0.8 / 22 / 2) + sps.norm.ppf(0.8)
    m = 0.0
    for _ in range(50):
        m = z * 100 * math.sqrt(2 * ((1.5 / 9) ** 2 + (m / 100) ** 2 / 4) / 12)
    assert f"minimum detectable shift {m:.1f} points" in out
    assert "closed form, normal approximation" in out
    assert main(["plan", "--units", "6", "--scale", "likert"]) == 2
    err = capsys.readouterr().err
    assert "--scale 'likert': use binary or score:LO:HI" in err and len(err.splitlines()) == 1


def test_plan_reads_the_design_from_baseline_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_analysis_scales import petri_log

    petri_log(tmp_path / "p.eval", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert main(["plan", "--baseline", str(tmp_path), "--max-shift", "0", "--shift", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("design read from 2 cell(s)")
    line = next(x for x in out if "/power/tag_matched:" in x)
    # 6 seeds seen once each: no within-unit spread yet, so the bound at the observed mean
    assert "6 units x 1 epochs" in line and "for 30 points:" in line
