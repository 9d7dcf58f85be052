"""Calibration benchmark: false alarms, coverage and power of what the gate and report print.

    PYTHONPATH=src python benchmarks/calibration/calibrate.py [--reps 200] [--out FILE]

Each case draws tidy tables (simulate.py) with per-prompt rates from a Beta (prompt-level
heterogeneity) and runs them through ``cc_evals.gate.gate_tables`` (the gate after reading
logs) or ``cc_evals.analysis.estimate`` / ``compare_cell`` (the report's intervals). Figures
with their Monte-Carlo standard errors go to stdout and, with --out, to a markdown file.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from simulate import Design, beta_rates, binary, scores, table  # noqa: E402

from cc_evals import analysis  # noqa: E402
from cc_evals.analysis import Settings  # noqa: E402
from cc_evals.gate import gate_tables  # noqa: E402
from cc_evals.results import BINARY, score_scale  # noqa: E402

S = Settings()
ALPHA = S.alpha
DIMS = tuple(f"dim{i:02d}" for i in range(22))
CLUSTERS = tuple(f"cluster{i % 5}" for i in range(22))


@dataclass
class Figure:
    case: str
    measure: str
    value: float
    se: float
    target: str
    reps: int

    def ok(self) -> str:
        return self.target


def rate(hits: list[bool]) -> tuple[float, float]:
    p = float(np.mean(hits))
    return p, math.sqrt(p * (1 - p) / len(hits))


class Flagged:
    """Every flagged row seen by any gate run: does its printed interval contain 0?"""

    rows = 0
    contain_zero = 0

    @classmethod
    def note(cls, moved) -> None:  # type: ignore[no-untyped-def]
        cls.rows += len(moved)
        lo, hi = moved["lo_points"].to_numpy(), moved["hi_points"].to_numpy()
        cls.contain_zero += int(((lo <= 0) & (hi >= 0)).sum())


def gate(base, cand, max_shift: float):  # type: ignore[no-untyped-def]
    result = gate_tables(base, cand, max_shift=max_shift, settings=S, check_design=False)
    Flagged.note(result.moved)
    return result


# ---------- false alarms of a whole gate invocation (no true shift anywhere) ----------


def pref_design(
    task: str = "cc_evals/preferences", seeds: tuple[int, ...] = (-1,), epochs: int = 5
) -> Design:
    """22 dimensions x 25 prompts; 5 samples per prompt (the paper's design) for one
    checkpoint, 2 per prompt and seed when a side holds 3 seeds."""
    return Design("preferences", task, DIMS, CLUSTERS, 25, epochs, "preference", seeds=seeds)


def null_preferences(rng: np.random.Generator, max_shift: float, split: bool) -> bool:
    d = pref_design("cc_evals/preferences_{item}" if split else "cc_evals/preferences")
    rates = beta_rates(rng, rng.uniform(0.05, 0.6, 22), 25, 4.0)
    base = table(d, binary(rng, rates, d.shape), "base")
    cand = table(d, binary(rng, rates, d.shape), "cand")
    return not gate(base, cand, max_shift).moved.empty


def null_seeds(rng: np.random.Generator, seed_sd: float) -> bool:
    d = pref_design(seeds=(1, 2, 3), epochs=2)
    rates = beta_rates(rng, rng.uniform(0.05, 0.6, 22), 25, 4.0)

    def side(name: str):  # type: ignore[no-untyped-def]
        shift = rng.normal(0.0, seed_sd, size=(3, 22, 1, 1))  # a seed moves every prompt alike
        r = np.clip(rates[None, :, :, None] + shift, 0, 1)
        return table(d, (rng.random(d.shape) < r).astype(float), name)

    return not gate(side("base"), side("cand"), 0.0).moved.empty


def null_em(rng: np.random.Generator) -> bool:
    questions = tuple(f"q{i}_{f}" for f in ("plain", "json", "template") for i in range(8))
    clusters = tuple(q.rsplit("_", 1)[1] for q in questions)
    d = Design(
        "emergent_misalignment",
        "cc_evals/emergent_misalignment",
        questions,
        clusters,
        1,
        16,
        "misaligned",
    )
    rates = beta_rates(rng, np.full(24, 0.1), 1, 2.0)
    base = table(d, binary(rng, rates, d.shape), "base")
    cand = table(d, binary(rng, rates, d.shape), "cand")
    return not gate(base, cand, 0.0).moved.empty


def petri_means(rng: np.random.Generator, n_items: int, n_units: int) -> np.ndarray:
    return 1 + 9 * rng.beta(2.0, 5.0, size=(n_items, n_units))


def null_petri(rng: np.random.Generator) -> bool:
    d = Design("petri", "cc_evals/petri_behavioral", DIMS, CLUSTERS, 6, 2, "tag_matched")
    means = petri_means(rng, 22, 6)
    base = table(d, scores(rng, means, 1.5, d.shape, 1, 10), "base")
    cand = table(d, scores(rng, means, 1.5, d.shape, 1, 10), "cand")
    return not gate(base, cand, 0.0).moved.empty


def self_report_design() -> Design:
    claims = tuple(f"claim{i}" for i in range(8))
    return Design("self_report", "cc_evals/self_report", claims, ("",) * 8, 8, 3, "affirms")


def null_self_report(rng: np.random.Generator) -> bool:
    d = self_report_design()
    rates = beta_rates(rng, np.full(8, 0.2), 8, 3.0)
    base = table(d, binary(rng, rates, d.shape), "base")
    cand = table(d, binary(rng, rates, d.shape), "cand")
    return not gate(base, cand, 0.0).moved.empty


# ---------- coverage of the report's 95% intervals ----------


def coverage_rate(rng: np.random.Generator, n_units: int, epochs: int, mean: float) -> bool:
    """Target: the Beta mean, the rate over the population of prompts (>= 5 prompts)."""
    r = rng.beta(mean * 4, (1 - mean) * 4, size=n_units)
    v = (rng.random((n_units, epochs)) < r[:, None]).astype(float).ravel()
    u = np.repeat(np.arange(n_units), epochs)
    e = analysis.estimate(v, u, BINARY, S)
    return e.lo <= mean <= e.hi


PETRI_TRUE_MEAN: float | None = None


def petri_true_mean() -> float:
    """The population mean score of simulate.scores (rounded, clipped): by a large draw."""
    global PETRI_TRUE_MEAN
    if PETRI_TRUE_MEAN is None:
        big = np.random.default_rng(12345)
        m = petri_means(big, 1, 400_000)
        PETRI_TRUE_MEAN = float(scores(big, m, 1.5, (1, 1, 400_000, 1), 1, 10).mean())
    return PETRI_TRUE_MEAN


def coverage_petri(rng: np.random.Generator) -> bool:
    m = petri_means(rng, 1, 6)
    v = scores(rng, m, 1.5, (1, 1, 6, 2), 1, 10).ravel()
    u = np.repeat(np.arange(6), 2)
    e = analysis.estimate(v, u, score_scale(1, 10), S)
    return e.lo <= petri_true_mean() <= e.hi


def coverage_one_question(rng: np.random.Generator, true: float) -> bool:
    """Target: this question's own rate (one prompt, held fixed)."""
    v = (rng.random(16) < true).astype(float)
    e = analysis.estimate(v, np.zeros(16, dtype=np.int64), BINARY, S)
    return e.lo <= true <= e.hi


def coverage_difference(rng: np.random.Generator, shift: float) -> bool:
    """Target: the mean over these prompts of the true per-prompt difference (units fixed)."""
    r = rng.beta(0.3 * 4, 0.7 * 4, size=25)
    rc = np.clip(r + shift, 0, 1)
    a = (rng.random((25, 2)) < rc[:, None]).astype(float).ravel()
    b = (rng.random((25, 2)) < r[:, None]).astype(float).ravel()
    values = np.concatenate([a, b])
    units = np.tile(np.repeat(np.arange(25), 2), 2)
    ckpt = np.r_[np.zeros(50, np.int64), np.ones(50, np.int64)]
    c = analysis.compare_cell(values, units, ckpt, np.arange(50), np.arange(50, 100), BINARY, S)
    true = 100 * float((rc - r).mean())
    return c.lo_points <= true <= c.hi_points


# ---------- power ----------


def power_em_question(rng: np.random.Generator, max_shift: float) -> bool:
    d = Design(
        "emergent_misalignment",
        "cc_evals/emergent_misalignment",
        ("q",),
        ("plain",),
        1,
        16,
        "misaligned",
    )
    base = table(d, np.zeros(d.shape), "base")
    cand = table(d, (rng.random(d.shape) < 0.5).astype(float), "cand")
    return not gate(base, cand, max_shift).moved.empty


def power_self_report(rng: np.random.Generator) -> bool:
    d = self_report_design()
    rates = beta_rates(rng, np.full(8, 0.2), 8, 3.0)
    base_v = binary(rng, rates, d.shape)
    cand_v = binary(rng, rates, d.shape)
    base_v[:, 0] = 0.0  # claim0: every answer denies (affirms = 0) ...
    cand_v[:, 0] = 1.0  # ... and every answer of the candidate affirms
    moved = gate(table(d, base_v, "base"), table(d, cand_v, "cand"), 10.0).moved
    return "claim0" in set(moved["item"])


def power_seeds(rng: np.random.Generator, pooled: bool) -> list[bool]:
    """3 vs 3 seeds, no seed variation, +15 points on dims 0-2: which shifted dims flagged."""
    d = pref_design(seeds=(1, 2, 3), epochs=2)
    rates = beta_rates(rng, rng.uniform(0.1, 0.6, 22), 25, 4.0)
    shifted = rates.copy()
    shifted[:3] = np.clip(shifted[:3] + 0.15, 0, 1)
    base_v, cand_v = binary(rng, rates, d.shape), binary(rng, shifted, d.shape)
    if pooled:  # the same samples as one checkpoint a side: 75 samples of 25 prompts
        one = Design("preferences", "cc_evals/preferences", DIMS, CLUSTERS, 25, 6, "preference")
        base_t = table(one, base_v.transpose(1, 2, 0, 3).reshape(one.shape), "base")
        cand_t = table(one, cand_v.transpose(1, 2, 0, 3).reshape(one.shape), "cand")
    else:
        base_t, cand_t = table(d, base_v, "base"), table(d, cand_v, "cand")
    moved = set(gate(base_t, cand_t, 0.0).moved["item"])
    return [dim in moved for dim in DIMS[:3]]


def power_petri(rng: np.random.Generator, max_shift: float) -> bool:
    d = Design("petri", "cc_evals/petri_behavioral", ("dim00",), ("c",), 6, 2, "tag_matched")
    means = petri_means(rng, 1, 6)
    base = table(d, scores(rng, means, 1.5, d.shape, 1, 10), "base")
    cand = table(d, scores(rng, means + 3.0, 1.5, d.shape, 1, 10), "cand")
    return not gate(base, cand, max_shift).moved.empty


# ---------- run ----------


def run_case(
    name: str,
    measure: str,
    target: str,
    reps: int,
    fn: Callable[[np.random.Generator], object],
    seed: int,
) -> Figure:
    rng = np.random.default_rng(seed)
    hits: list[bool] = []
    start = time.time()
    for _ in range(reps):
        out = fn(rng)
        hits.extend(out if isinstance(out, list) else [bool(out)])
    p, se = rate(hits)
    fig = Figure(name, measure, p, se, target, reps)
    print(
        f"{name:58} {measure:22} {100 * p:6.1f}% (MC s.e. {100 * se:4.1f})  target {target}"
        f"  [{time.time() - start:.0f} s]",
        flush=True,
    )
    return fig


def cases(reps: int) -> list[tuple[str, str, str, int, Callable[[np.random.Generator], object]]]:
    fwer = f"<= {100 * ALPHA:g}% + 2 s.e."
    return [
        (
            "null: preferences family task, 22 dims x 25 prompts x 5, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            lambda r: null_preferences(r, 0.0, False),
        ),
        (
            "null: preferences family task, tol 10",
            "family-wise alarms",
            fwer,
            reps,
            lambda r: null_preferences(r, 10.0, False),
        ),
        (
            "null: per-dimension tasks preferences_<id>, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            lambda r: null_preferences(r, 0.0, True),
        ),
        (
            "null: 3 vs 3 seeds x 25 prompts x 2, no seed variation, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            lambda r: null_seeds(r, 0.0),
        ),
        (
            "null: 3 vs 3 seeds, seed sd 5 points, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            lambda r: null_seeds(r, 0.05),
        ),
        (
            "null: EM 8 questions x 3 formats, 16 samples, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            null_em,
        ),
        (
            "null: Petri 22 dims x 6 seeds x 2 epochs (1-10), tol 0",
            "family-wise alarms",
            fwer,
            reps,
            null_petri,
        ),
        (
            "null: self-report 8 claims x 8 questions x 3, tol 0",
            "family-wise alarms",
            fwer,
            reps,
            null_self_report,
        ),
        (
            "coverage: 25 prompts x 1, Beta mean 0.30",
            "covers Beta mean",
            ">= 93%",
            reps,
            lambda r: coverage_rate(r, 25, 1, 0.30),
        ),
        (
            "coverage: 25 prompts x 1, rare, Beta mean 0.05",
            "covers Beta mean",
            ">= 93%",
            reps,
            lambda r: coverage_rate(r, 25, 1, 0.05),
        ),
        (
            "coverage: 8 prompts x 3 (self-report-like), mean 0.30",
            "covers Beta mean",
            ">= 93%",
            reps,
            lambda r: coverage_rate(r, 8, 3, 0.30),
        ),
        (
            "coverage: 6 prompts x 2 (Petri-like), mean 0.10",
            "covers Beta mean",
            ">= 93%",
            reps,
            lambda r: coverage_rate(r, 6, 2, 0.10),
        ),
        (
            "coverage: Petri score 1-10, 6 seeds x 2 epochs",
            "covers population mean",
            ">= 93%",
            reps,
            coverage_petri,
        ),
        (
            "coverage: one EM question, 16 samples, rate 0.125",
            "covers its own rate",
            ">= 93%",
            reps,
            lambda r: coverage_one_question(r, 0.125),
        ),
        (
            "coverage: difference, 25 prompts x 2, +10 points",
            "covers mean prompt diff",
            ">= 93%",
            reps,
            lambda r: coverage_difference(r, 0.10),
        ),
        (
            "coverage: difference, 25 prompts x 2, no shift",
            "covers mean prompt diff",
            ">= 93%",
            reps,
            lambda r: coverage_difference(r, 0.0),
        ),
        (
            "power: one EM question 16 vs 16, 0% -> 50%, tol 10",
            "detected",
            ">= 90%",
            reps,
            lambda r: power_em_question(r, 10.0),
        ),
        (
            "power: one EM question 16 vs 16, 0% -> 50%, tol 0",
            "detected",
            ">= 90%",
            reps,
            lambda r: power_em_question(r, 0.0),
        ),
        (
            "power: self-report claim, 8 q x 3, all deny -> all affirm",
            "detected",
            "100%",
            reps,
            power_self_report,
        ),
        (
            "power: 3 vs 3 seeds x 25 prompts x 2, +15 on 3 of 22 dims, tol 0",
            "per-dimension power",
            ">= 25%",
            reps,
            lambda r: power_seeds(r, False),
        ),
        (
            "power: same samples pooled, one checkpoint a side, tol 0",
            "per-dimension power",
            "(reference)",
            reps,
            lambda r: power_seeds(r, True),
        ),
        (
            "power: one Petri dim, 6 seeds x 2 epochs, +3 points, tol 0",
            "detected",
            ">= 80% or plan",
            reps,
            lambda r: power_petri(r, 0.0),
        ),
        (
            "power: one Petri dim, 6 seeds x 2 epochs, +3 points, tol 10",
            "detected",
            ">= 80% or plan",
            reps,
            lambda r: power_petri(r, 10.0),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--only", default=None, help="run the cases whose name contains this")
    parser.add_argument("--out", default=None, help="write a markdown table here")
    args = parser.parse_args()
    figures = []
    for i, (name, measure, target, reps, fn) in enumerate(cases(args.reps)):
        if args.only and args.only not in name:
            continue
        figures.append(run_case(name, measure, target, reps, fn, seed=1000 + i))
    print(
        f"flagged rows: {Flagged.rows}; printed 95% interval containing 0: {Flagged.contain_zero}"
    )
    if args.out:
        lines = ["| case | measure | result | MC s.e. | target |", "|---|---|---|---|---|"]
        lines += [
            f"| {f.case} | {f.measure} | {100 * f.value:.1f}% | {100 * f.se:.1f} | {f.target} |"
            for f in figures
        ]
        lines.append(
            f"\nFlagged rows over all gate runs: {Flagged.rows}; with a printed 95% "
            f"interval containing 0: {Flagged.contain_zero}.\n"
        )
        Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
