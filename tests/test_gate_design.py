"""The gate on simulated tidy tables (benchmarks/calibration/simulate.py): the design cases of
issue 10, each small and deterministic."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "calibration"))

from simulate import Design, beta_rates, binary, table  # noqa: E402

from cc_evals.analysis import Settings, estimate_cells  # noqa: E402
from cc_evals.gate import GateInputError, _blind, _blind_line, gate_tables  # noqa: E402

S = Settings()
DIMS = tuple(f"dim{i:02d}" for i in range(22))
CLUSTERS = tuple(f"cluster{i % 5}" for i in range(22))


def em_question() -> Design:
    return Design(
        "emergent_misalignment",
        "cc_evals/emergent_misalignment",
        ("q",),
        ("plain",),
        1,
        16,
        "misaligned",
    )


def test_one_em_question_zero_to_half_is_flagged_with_an_interval_beyond_the_tolerance() -> None:
    d = em_question()
    cand = np.zeros(d.shape)
    cand[..., :8] = 1.0  # 8 of 16 misaligned
    result = gate_tables(
        table(d, np.zeros(d.shape), "b"), table(d, cand, "c"), max_shift=10, settings=S
    )
    [row] = result.moved.to_dict("records")
    assert row["diff_points"] == 50 and row["lo_points"] > 10
    assert row["method"].startswith("within-unit comparison over this unit")
    assert result.undetectable.empty


def test_report_never_gives_one_prompt_an_interval_over_prompts() -> None:
    d = em_question()
    v = np.zeros(d.shape)
    v[..., :2] = 1.0  # 2 of 16
    [row] = estimate_cells(table(d, v, "m"), ["model"], S).to_dict("records")
    assert "over prompts" not in row["method"]
    assert row["method"] == "Clopper-Pearson over the 16 samples of one prompt"
    assert row["question"].startswith("mean of this prompt, held fixed")
    assert row["lo"] == pytest.approx(0.01551, abs=1e-4) and row["hi"] == pytest.approx(
        0.38348, abs=1e-4
    )


def self_report() -> Design:
    claims = tuple(f"claim{i}" for i in range(8))
    return Design("self_report", "cc_evals/self_report", claims, ("",) * 8, 8, 3, "affirms")


def test_self_report_claim_flipping_from_deny_to_affirm_is_always_flagged() -> None:
    d = self_report()
    rng = np.random.default_rng(0)
    rates = beta_rates(rng, np.full(8, 0.2), 8, 3.0)
    for _ in range(3):
        base, cand = binary(rng, rates, d.shape), binary(rng, rates, d.shape)
        base[:, 0], cand[:, 0] = 0.0, 1.0
        moved = gate_tables(
            table(d, base, "b"), table(d, cand, "c"), max_shift=10, settings=S
        ).moved
        assert "claim0" in set(moved["item"])
        assert (moved["lo_points"] > 10).all() | (moved["hi_points"] < -10).all()


def preferences(task: str, seeds: tuple[int, ...] = (-1,), epochs: int = 2) -> Design:
    return Design("preferences", task, DIMS, CLUSTERS, 25, epochs, "preference", seeds=seeds)


def test_per_dimension_tasks_and_the_family_task_give_the_same_gate() -> None:
    rng = np.random.default_rng(1)
    rates = beta_rates(rng, rng.uniform(0.1, 0.6, 22), 25, 4.0)
    shifted = rates.copy()
    shifted[:2] = np.clip(shifted[:2] + 0.4, 0, 1)
    fam, split = preferences("cc_evals/preferences"), preferences("cc_evals/preferences_{item}")
    bv, cv = binary(rng, rates, fam.shape), binary(rng, shifted, fam.shape)
    a = gate_tables(table(fam, bv, "b"), table(fam, cv, "c"), max_shift=0, settings=S)
    b = gate_tables(table(split, bv, "b"), table(split, cv, "c"), max_shift=0, settings=S)
    cols = ["item", "level", "diff_points", "p", "p_adjusted", "significant"]
    pd.testing.assert_frame_equal(
        a.compared[cols].reset_index(drop=True), b.compared[cols].reset_index(drop=True)
    )
    # one family over everything: 22 items + 5 clusters + overall
    assert len(a.compared) == 28 and set(b.compared["task"]) >= {"preferences (22 tasks)"}
    assert {"dim00", "dim01"} <= set(a.moved["item"])


def test_a_small_shift_on_every_dimension_is_seen_by_the_pooled_row() -> None:
    rng = np.random.default_rng(2)
    d = preferences("cc_evals/preferences", epochs=5)
    rates = beta_rates(rng, np.full(22, 0.3), 25, 4.0)
    up = np.clip(rates + 0.06, 0, 1)
    result = gate_tables(
        table(d, binary(rng, rates, d.shape), "b"),
        table(d, binary(rng, up, d.shape), "c"),
        max_shift=0,
        settings=S,
    )
    moved = result.moved
    assert "(all)" in set(moved["item"])
    assert moved.loc[moved["item"] == "(all)", "level"].item() == "pooled"
    assert (moved["level"] == "item").sum() <= 2  # +6 points is too small for one dimension


def test_three_seeds_without_seed_variation_keep_the_pooled_power() -> None:
    rng = np.random.default_rng(3)
    d = preferences("cc_evals/preferences", seeds=(1, 2, 3))
    rates = beta_rates(rng, np.full(22, 0.3), 25, 4.0)
    up = rates.copy()
    up[0] = np.clip(up[0] + 0.25, 0, 1)
    bv, cv = binary(rng, rates, d.shape), binary(rng, up, d.shape)
    seeded = gate_tables(table(d, bv, "b"), table(d, cv, "c"), max_shift=0, settings=S)
    row = seeded.compared.set_index("item").loc["dim00"]
    assert row["method"].startswith("two-way seed x unit model over 25 unit(s), 3 vs 3 seeds")
    one = Design("preferences", "cc_evals/preferences", DIMS, CLUSTERS, 25, 6, "preference")
    pooled = (
        gate_tables(
            table(one, bv.transpose(1, 2, 0, 3).reshape(one.shape), "b"),
            table(one, cv.transpose(1, 2, 0, 3).reshape(one.shape), "c"),
            max_shift=0,
            settings=S,
        )
        .compared.set_index("item")
        .loc["dim00"]
    )
    assert row["diff_points"] == pytest.approx(pooled["diff_points"])
    if "interaction" in row["method"]:  # seeds no more spread than prompts x seeds
        assert row["p"] < 20 * pooled["p"]


def test_several_models_on_one_side_need_seeds() -> None:
    d = em_question()
    base = pd.concat(
        [table(d, np.zeros(d.shape), "model-a"), table(d, np.ones(d.shape), "model-b")]
    )
    cand = table(d, np.ones(d.shape), "cand")
    from cc_evals.gate import check_one_checkpoint_group

    with pytest.raises(GateInputError, match="2 different models \\(model-a, model-b\\)"):
        check_one_checkpoint_group("--baseline", base)
    seeded = d.__class__(**{**d.__dict__, "seeds": (1, 2)})
    two = table(seeded, np.zeros(seeded.shape), "model")
    check_one_checkpoint_group("--baseline", two)  # seeds known: fine
    assert not gate_tables(two, cand.assign(seed=0), max_shift=10, settings=S).moved.empty


def test_a_design_that_can_never_flag_is_named_in_one_line() -> None:
    d = Design(
        "emergent_misalignment",
        "cc_evals/emergent_misalignment",
        ("q",),
        ("plain",),
        1,
        2,
        "misaligned",
    )
    result = gate_tables(
        table(d, np.zeros(d.shape), "b"), table(d, np.ones(d.shape), "c"), max_shift=10, settings=S
    )
    assert result.moved.empty
    [row] = [_blind(r) for _, r in result.undetectable.iterrows()]
    line = _blind_line(row, 10)
    assert "\n" not in line and line.startswith("gate: cannot detect: cc_evals/emergent")
    assert "2 vs 2 samples" in line and row["best_p"] >= row["threshold"] == 0.05
