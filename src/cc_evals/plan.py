"""``cc-evals plan``: the smallest shift a design can detect, and the epochs or seeds it needs.

Closed form for the gate's within-unit test (docs/methods.md): on the 0-1 rescale the shift
estimate's variance is ``2 (s_w^2 + d^2 / 4) / (K E S) + 2 s_seed^2 / S`` (the pooled
within-unit variance grows with the shift d itself) for K units (prompts, Petri
seeds, questions) per item, E epochs and S checkpoints (fine-tuning seeds) a side, within-unit
standard deviation ``s_w`` and between-seed standard deviation ``s_seed``. A cell is flagged
when its test of ``|shift| <= tolerance`` reaches its share of alpha (weighted Bonferroni, the
first step of the gate's weighted Holm), so with ``z_a = z(1 - alpha_cell / 2)`` and
``z_b = z(power)`` the minimum detectable shift is ``tolerance + (z_a + z_b) se``. The normal
approximation is checked against simulation in benchmarks/calibration.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats as sps

from cc_evals.analysis import POOLED_SHARE, POOLS
from cc_evals.results import BINARY, Scale, load_results, scale_of, score_scale


@dataclass(frozen=True)
class Design:
    units: int  # per item
    epochs: int
    seeds: int = 1  # checkpoints a side
    items: int = 1  # item cells gated in one invocation (the correction family)
    pooled: bool = True  # the invocation also gates pooled rows (items get 1 - share)


@dataclass(frozen=True)
class Plan:
    alpha_cell: float
    se_points: float
    min_detectable_points: float
    epochs_needed: int | None  # for the target shift (None: no number of epochs reaches it)
    seeds_needed: int | None


def alpha_per_cell(alpha: float, d: Design, share: float = POOLED_SHARE) -> float:
    part = (1 - share) if d.pooled and d.items > 1 else 1.0
    return alpha * part / d.items


def se_points(d: Design, sd_within: float, sd_seed: float = 0.0, shift: float = 0.0) -> float:
    """Standard error of the shift in points (0-100 rescale); sds on the 0-1 rescale.

    The gate's within-unit standard error pools both arms inside each unit, so a true shift
    ``shift`` (points) adds ``(shift / 100)^2 / 4`` to the within-unit variance."""
    within = sd_within**2 + (shift / 100) ** 2 / 4
    var = 2 * within / (d.units * d.epochs * d.seeds) + 2 * sd_seed**2 / d.seeds
    return 100 * math.sqrt(var)


def plan(
    d: Design,
    *,
    sd_within: float,
    sd_seed: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    tolerance: float = 0.0,
    target: float | None = None,
    share: float = POOLED_SHARE,
) -> Plan:
    a = alpha_per_cell(alpha, d, share)
    z = float(sps.norm.ppf(1 - a / 2) + sps.norm.ppf(power))
    se = se_points(d, sd_within, sd_seed)
    mds = tolerance + z * se
    for _ in range(50):  # the shift inflates its own standard error: fixed point
        mds = tolerance + z * se_points(d, sd_within, sd_seed, mds)
    epochs = seeds = None
    if target is not None and target > tolerance:
        se_max = (target - tolerance) / z / 100  # on the 0-1 rescale
        within = sd_within**2 + (target / 100) ** 2 / 4
        room = se_max**2 - 2 * sd_seed**2 / d.seeds
        if room > 0:
            epochs = max(1, math.ceil(2 * within / (d.units * d.seeds * room)))
        per_seed = 2 * within / (d.units * d.epochs) + 2 * sd_seed**2
        seeds = max(1, math.ceil(per_seed / se_max**2))
    return Plan(a, se, mds, epochs, seeds)


def parse_scale(text: str) -> Scale:
    if text == "binary":
        return BINARY
    parts = text.split(":")
    if len(parts) == 3 and parts[0] == "score":
        return score_scale(float(parts[1]), float(parts[2]))
    raise ValueError(f"--scale {text!r}: use binary or score:LO:HI (e.g. score:1:10)")


def from_logs(paths: list[str]) -> pd.DataFrame:
    """Per (task, condition, item, metric) of a baseline: units, samples per unit a side and
    the within-unit standard deviation on the 0-1 rescale."""
    table = load_results(paths).table
    table = table[table["scored"]]
    rows = []
    keys = ["family", "task", "condition", "item", "metric"]
    for key, part in table.groupby(keys, observed=True):
        scale = scale_of(str(key[0]), str(key[4]))
        u = (part["value"].to_numpy(dtype=float) - scale.lo) / scale.span
        units = part["unit"].astype(str).to_numpy()
        frame = pd.DataFrame({"u": u, "unit": units})
        g = frame.groupby("unit")["u"]
        n = g.size()
        var = g.var(ddof=1).fillna(0.0)
        within = float((var * (n - 1)).sum() / max(1, int((n - 1).sum())))
        p = float(u.mean())
        if within == 0:  # nothing varies yet: the binomial bound at the observed mean
            within = max(p * (1 - p), 0.25 if p in (0.0, 1.0) else 0.0)
        rows.append((*map(str, key), int(n.size), float(n.mean()), math.sqrt(within)))
    cols = [*keys, "units", "samples_per_unit", "sd_within"]
    return pd.DataFrame(rows, columns=cols)


def add_plan_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "plan",
        help="minimum detectable shift of a design, and the epochs or seeds for a target shift",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--baseline", nargs="+", help="read the design and variance from these logs")
    p.add_argument("--units", type=int, help="units per item (prompts, Petri seeds, questions)")
    p.add_argument("--epochs", type=int, default=1, help="samples per unit and checkpoint")
    p.add_argument("--seeds", type=int, default=1, help="checkpoints (fine-tuning seeds) a side")
    p.add_argument("--items", type=int, default=1, help="items gated together (e.g. 22)")
    p.add_argument("--scale", default="binary", help="binary or score:LO:HI (default binary)")
    p.add_argument("--rate", type=float, default=0.5, help="binary: baseline rate (default 0.5)")
    p.add_argument("--sd", type=float, help="score: within-unit sd in native units")
    p.add_argument("--seed-sd", type=float, default=0.0, help="between-seed sd in points")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--power", type=float, default=0.8)
    p.add_argument("--max-shift", type=float, default=10.0, help="the gate's tolerance, points")
    p.add_argument("--shift", type=float, help="target shift in points: epochs/seeds needed")
    p.add_argument("--no-pooled", action="store_true", help="the gate runs without pooled rows")
    p.set_defaults(handler=cmd_plan)


def _line(label: str, pl: Plan, d: Design, target: float | None) -> str:
    text = (
        f"{label}: {d.units} units x {d.epochs} epochs x {d.seeds} seed(s) a side, alpha per "
        f"cell {pl.alpha_cell:.2g}: se {pl.se_points:.1f} points, minimum detectable shift "
        f"{pl.min_detectable_points:.1f} points"
    )
    if target is not None:
        ep = (
            "never (seed variance alone is too large)"
            if pl.epochs_needed is None
            else (f"{pl.epochs_needed} epochs")
        )
        text += f"; for {target:g} points: {ep} or {pl.seeds_needed} seed(s) a side"
    return text


def cmd_plan(args: argparse.Namespace) -> int:
    if not 0 < args.alpha < 1 or not 0 < args.power < 1:
        raise ValueError("--alpha and --power must be in (0, 1)")
    seed_sd = args.seed_sd / 100
    if args.baseline:
        cells = from_logs(args.baseline)
        pooled = bool(set(cells["family"]) & set(POOLS)) and not args.no_pooled
        print(
            f"design read from {len(cells)} cell(s) of the baseline logs; closed form, "
            "normal approximation (docs/methods.md)"
        )
        for r in cells.to_dict("records"):
            epochs = max(1, int(round(float(r["samples_per_unit"]))))
            d = Design(int(r["units"]), epochs, args.seeds, len(cells), pooled)
            pl = plan(
                d,
                sd_within=float(r["sd_within"]),
                sd_seed=seed_sd,
                alpha=args.alpha,
                power=args.power,
                tolerance=args.max_shift,
                target=args.shift,
            )
            label = f"{r['task']}/{r['condition']}/{r['item']}/{r['metric']}"
            print(_line(label, pl, d, args.shift))
        return 0
    if args.units is None or args.units < 1 or args.epochs < 1 or args.seeds < 1:
        raise ValueError("give --units (>= 1), --epochs and --seeds >= 1, or --baseline LOGS")
    scale = parse_scale(args.scale)
    if scale.kind == "binary":
        if not 0 < args.rate < 1:
            raise ValueError(f"--rate must be in (0, 1), got {args.rate}")
        sd = math.sqrt(args.rate * (1 - args.rate))
    else:
        if args.sd is None or args.sd <= 0:
            raise ValueError("a score scale needs --sd (within-unit sd in native units)")
        sd = args.sd / scale.span
    d = Design(args.units, args.epochs, args.seeds, args.items, not args.no_pooled)
    pl = plan(
        d,
        sd_within=sd,
        sd_seed=seed_sd,
        alpha=args.alpha,
        power=args.power,
        tolerance=args.max_shift,
        target=args.shift,
    )
    print(
        f"closed form, normal approximation; power {args.power:g}, tolerance "
        f"{args.max_shift:g} points, {args.items} item(s) in the correction family"
    )
    print(_line(scale.label, pl, d, args.shift))
    return 0
