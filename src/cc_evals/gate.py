"""``cc-evals gate``: fail CI when a candidate checkpoint's rates moved against a baseline.

Exit codes: 0 nothing moved; 1 at least one (task, condition, item, metric) or pooled row moved
by more than ``--max-shift`` points: the test of ``|shift| <= max-shift`` is rejected after the
correction over everything this invocation compares (so the printed interval lies wholly beyond
the tolerance); 2 unusable input (a log that failed or is incomplete, foreign logs, different
tasks, conditions, items or metrics on the two sides, a cell with no scored samples on either
side, several models on one side without seeds, nothing compared).

Cells whose design could never flag a shift (even a full 0 -> 100 flip would not reach its
share of alpha) are listed one line each ("cannot detect") and in ``--json`` under
``undetectable``; ``--strict-design`` makes them exit 2. docs/methods.md gives the methods.

Shifts are in points on a 0-100 rescale of each metric's declared range: percentage points for
rates (binary, proportion), and for a judge score lo-hi, ``100 * diff / (hi - lo)`` (on Petri's
1-10 scale one native point is 11.1 points; on a 0-100 score, one point). One tolerance thus
means the same share of the scale for every kind. ``--json`` prints one machine-readable object
instead of a table.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cc_evals.analysis import POOLED_SHARE, Settings, compare_arms, family_weights
from cc_evals.report import add_common_stats_args, settings_from
from cc_evals.results import Results, SeedMap, UnusableLogError, incomplete, load_results

EXIT_OK, EXIT_MOVED, EXIT_UNUSABLE = 0, 1, 2
KEYS = ["condition", "family", "task", "item", "item_name", "cluster", "metric"]


class GateInputError(ValueError):
    """Input the gate cannot judge; exits 2."""


@dataclass
class GateResult:
    moved: pd.DataFrame
    compared: pd.DataFrame
    max_shift: float
    settings: Settings
    undetectable: pd.DataFrame

    @property
    def exit_code(self) -> int:
        return EXIT_MOVED if not self.moved.empty else EXIT_OK


def _load(label: str, paths: list[str], args: argparse.Namespace) -> Results:
    try:
        results = load_results(
            paths,
            seeds=SeedMap.load(getattr(args, "seeds", None)),
            skip_foreign=args.skip_foreign,
            workers=args.workers,
            cache=not args.no_cache,
        )
    except (UnusableLogError, FileNotFoundError) as ex:
        raise GateInputError(f"{label}: {ex}") from None
    except ValueError as ex:
        raise GateInputError(f"{label}: {ex}") from None
    for dup in results.duplicates:
        print(
            f"warning: {label}: {dup.dropped}: counted once, {dup.why} as {dup.kept}",
            file=sys.stderr,
        )
    bad = [i for i in [*results.empty, *results.logs] if incomplete(i)]
    if bad:
        listing = "; ".join(f"{i.path} ({incomplete(i)})" for i in bad[:5])
        raise GateInputError(f"{label}: failed or incomplete log(s): {listing}")
    table = results.table
    if args.families:
        wanted = {f.strip() for f in args.families.split(",") if f.strip()}
        table = table[table["family"].astype(str).isin(wanted)]
        if table.empty:
            raise GateInputError(f"{label}: no samples of families {', '.join(sorted(wanted))}")
    results.table = table
    check_one_checkpoint_group(label, table)
    return results


def check_one_checkpoint_group(label: str, table: pd.DataFrame) -> None:
    """Several models on one side are seeds of one checkpoint group only when a seeds file or
    checkpoint metadata says so; otherwise they would be pooled silently."""
    pairs = table[["model", "group", "seed"]].astype(str).drop_duplicates()
    models = sorted(set(pairs["model"]))
    groups = sorted(set(pairs["group"]))
    if len(groups) > 1:
        raise GateInputError(
            f"{label} holds several checkpoint groups ({', '.join(groups)}); gate one group "
            "against another"
        )
    if len(models) > 1:
        unseeded = sorted(set(pairs.loc[pairs["seed"] == "-1", "model"]))
        if unseeded:
            raise GateInputError(
                f"{label} holds {len(models)} different models ({', '.join(models)}) and "
                f"{', '.join(unseeded)} has no seed: pass --seeds FILE (models: {{<model>: "
                "{group, seed}}) or run with --metadata checkpoint_group=... checkpoint_seed=..."
            )


def _cells(table: pd.DataFrame) -> set[tuple[str, ...]]:
    cols = ["task", "condition", "item", "metric"]
    return set(map(tuple, table[cols].astype(str).drop_duplicates().to_numpy().tolist()))


def check_comparable(base: pd.DataFrame, cand: pd.DataFrame) -> None:
    """Both sides must cover the same tasks, conditions, items and metrics."""
    bt, ct = set(base["task"].astype(str)), set(cand["task"].astype(str))
    if bt != ct:
        raise GateInputError(
            f"different tasks: baseline has {sorted(bt)}, candidate has {sorted(ct)}"
        )
    bc, cc = _cells(base), _cells(cand)
    missing = sorted(bc - cc)
    extra = sorted(cc - bc)
    if missing or extra:

        def show(cells: list[tuple[str, ...]]) -> str:
            return ", ".join("/".join(c) for c in cells[:5]) + (" ..." if len(cells) > 5 else "")

        parts = []
        if missing:
            parts.append(f"missing in candidate: {show(missing)}")
        if extra:
            parts.append(f"missing in baseline: {show(extra)}")
        raise GateInputError("dimensions differ (task/condition/item/metric): " + "; ".join(parts))
    for label, side, cells in (("baseline", base, bc), ("candidate", cand, cc)):
        scored = _cells(side[side["scored"]])
        empty = sorted(cells - scored)
        if empty:
            shown = ", ".join("/".join(c) for c in empty[:5]) + (" ..." if len(empty) > 5 else "")
            raise GateInputError(
                f"{label} has {len(empty)} cell(s) with no scored samples at all "
                f"(task/condition/item/metric): {shown}"
            )


def run_gate(args: argparse.Namespace) -> GateResult:
    settings = settings_from(args)
    base = _load("--baseline", args.baseline, args)
    cand = _load("--candidate", args.candidate, args)
    return gate_tables(base.table, cand.table, max_shift=args.max_shift, settings=settings)


def gate_tables(
    base: pd.DataFrame,
    cand: pd.DataFrame,
    *,
    max_shift: float,
    settings: Settings,
    check_design: bool = True,
) -> GateResult:
    """The gate on two tidy tables (``results.COLUMNS``): what ``cc-evals gate`` runs after
    reading the logs, and what the calibration benchmark feeds simulated tables into."""
    check_comparable(base, cand)
    table = pd.concat(
        [base.assign(side="baseline"), cand.assign(side="candidate")],
        ignore_index=True,
    )
    for c in ("item", "item_name", "cluster", "metric", "unit", "task", "family", "condition"):
        table[c] = table[c].astype(str).astype("category")
    compared = compare_arms(
        table,
        arm="side",
        baseline="baseline",
        s=settings,
        keys=KEYS,
        tolerance_points=max_shift,
    )
    cells = len(_cells(base))
    items = int((compared["level"] == "item").sum()) if len(compared) else 0
    if items == 0 or items < cells:
        raise GateInputError(f"only {items} of {cells} cells could be compared; nothing to judge")
    moved = compared[compared["significant"]]
    return GateResult(
        moved=moved,
        compared=compared,
        max_shift=max_shift,
        settings=settings,
        undetectable=undetectable_cells(table, compared, settings, max_shift)
        if check_design
        else compared.iloc[0:0],
    )


def undetectable_cells(
    table: pd.DataFrame, compared: pd.DataFrame, s: Settings, max_shift: float
) -> pd.DataFrame:
    """Cells whose design can never flag a shift: the same comparison on the most extreme data
    the design allows (every candidate sample at the top of the scale, every baseline one at
    the bottom) still has p at or above the cell's share of alpha (its weight in the weighted
    correction, the threshold it faces when no other cell moves)."""
    extreme = table.copy()
    scored = extreme["scored"].to_numpy()
    cand = (extreme["side"] == "candidate").to_numpy()
    from cc_evals.results import scale_of

    fam = extreme["family"].astype(str).to_numpy()
    met = extreme["metric"].astype(str).to_numpy()
    lo, hi = np.zeros(len(extreme)), np.ones(len(extreme))
    for f, m in {(a, b) for a, b in zip(fam, met, strict=True)}:
        sc = scale_of(f, m)
        sel = (fam == f) & (met == m)
        lo[sel], hi[sel] = sc.lo, sc.hi
    extreme["value"] = np.where(scored, np.where(cand, hi, lo), np.nan)
    best = compare_arms(
        extreme, arm="side", baseline="baseline", s=s, keys=KEYS, tolerance_points=max_shift
    )
    weights = family_weights(compared["level"].to_numpy(), s.pooled_share)
    threshold = s.alpha * weights / weights.sum()
    out = compared.assign(best_p=best["p"].to_numpy(), threshold=threshold)
    return out[out["best_p"] >= out["threshold"]]


def _record(row: pd.Series) -> dict[str, Any]:
    def f(v: Any) -> Any:
        return None if isinstance(v, float) and math.isnan(v) else v

    return {
        "task": row["task"],
        "condition": row["condition"],
        "item": row["item"],
        "metric": row["metric"],
        "scale": row["scale"],
        "direction": "up" if row["diff_points"] > 0 else "down",
        "diff_points": f(round(float(row["diff_points"]), 3)),
        "interval_points": [
            f(round(float(row["lo_points"]), 3)),
            f(round(float(row["hi_points"]), 3)),
        ],
        "diff_native": f(round(float(row["diff_native"]), 4)),
        "baseline_value": f(float(row["baseline_value"])),
        "candidate_value": f(float(row["candidate_value"])),
        "level": row["level"],
        "p": f(float(row["p"])),
        "p_adjusted": f(float(row["p_adjusted"])),
        "method": row["method"],
    }


def _blind(row: pd.Series) -> dict[str, Any]:
    return {
        "task": row["task"],
        "condition": row["condition"],
        "item": row["item"],
        "metric": row["metric"],
        "n_candidate": int(row["n_candidate"]),
        "n_baseline": int(row["n_baseline"]),
        "best_p": float(row["best_p"]),
        "threshold": float(row["threshold"]),
    }


def _blind_line(b: dict[str, Any], max_shift: float) -> str:
    return (
        f"gate: cannot detect: {b['task']}/{b['condition']}/{b['item']}/{b['metric']}: "
        f"{b['n_candidate']} vs {b['n_baseline']} samples; even a full 0 -> 100 flip gives "
        f"p {b['best_p']:.2g} >= its alpha share {b['threshold']:.2g} at --max-shift "
        f"{max_shift:g}; add epochs, seeds or units (see cc-evals plan)"
    )


def add_gate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("gate", help="exit 1 if a candidate checkpoint moved against a baseline")
    p.add_argument("--baseline", nargs="+", required=True, help="baseline log files/directories")
    p.add_argument("--candidate", nargs="+", required=True, help="candidate log files/directories")
    p.add_argument(
        "--max-shift",
        type=float,
        default=10.0,
        help="tolerance in points on a 0-100 rescale of each metric's declared range: "
        "percentage points for rates; 100*diff/(hi-lo) for scores (default 10)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="significance level after correction (default 0.05)",
    )
    p.add_argument("--families", default=None, help="comma-separated families to gate on")
    p.add_argument(
        "--seeds",
        default=None,
        help="YAML mapping models to {group, seed}: lets several models on one side be seeds",
    )
    p.add_argument(
        "--pooled-share",
        type=float,
        default=POOLED_SHARE,
        help=f"share of alpha for the pooled rows' family (default {POOLED_SHARE})",
    )
    p.add_argument("--no-pooled", action="store_true", help="gate the items only, no pooled rows")
    p.add_argument(
        "--strict-design",
        action="store_true",
        help="exit 2 when a cell's design could never flag a shift",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_common_stats_args(p)
    p.set_defaults(handler=cmd_gate)


def cmd_gate(args: argparse.Namespace) -> int:
    try:
        result = run_gate(args)
    except GateInputError as ex:
        if args.json:
            print(json.dumps({"status": "unusable", "exit_code": EXIT_UNUSABLE, "error": str(ex)}))
        else:
            print(f"cc-evals gate: unusable input: {ex}", file=sys.stderr)
        return EXIT_UNUSABLE
    moved = [_record(r) for _, r in result.moved.iterrows()]
    blind = [_blind(r) for _, r in result.undetectable.iterrows()]
    code = result.exit_code
    if blind and args.strict_design and code == EXIT_OK:
        code = EXIT_UNUSABLE
    if args.json:
        print(
            json.dumps(
                {
                    "status": "moved" if moved else ("blind" if code else "ok"),
                    "exit_code": code,
                    "max_shift_points": result.max_shift,
                    "shift_unit": "points on a 0-100 rescale of the metric's declared range",
                    "alpha": result.settings.alpha,
                    "correction": result.settings.correction,
                    "compared": len(result.compared),
                    "moved": moved,
                    "undetectable": blind,
                },
                indent=2,
            )
        )
        return code
    for b in blind:
        print(_blind_line(b, result.max_shift))
    if not moved:
        print(
            f"gate: ok - {len(result.compared)} comparisons, none moved by more than "
            f"{result.max_shift:g} points (0-100 rescale) with "
            f"{result.settings.correction}-adjusted "
            f"p < {result.settings.alpha:g}"
        )
        return code
    print(
        f"gate: MOVED - {len(moved)} of {len(result.compared)} comparisons moved by more than "
        f"{result.max_shift:g} points (0-100 rescale; test of |shift| <= {result.max_shift:g}) "
        f"with {result.settings.correction}-adjusted p < {result.settings.alpha:g}:"
    )
    header = (
        f"{'task':32} {'condition':10} {'item':28} {'dir':4} "
        f"{'scale':14} {'diff':>8} {'interval':>17} {'p adj':>8}"
    )
    print(header)
    for m in moved:
        lo, hi = m["interval_points"]
        print(
            f"{m['task']:32} {m['condition']:10} {m['item']:28} {m['direction']:4} "
            f"{m['scale']:14} {m['diff_points']:+8.1f} [{lo:+6.1f}, {hi:+6.1f}] "
            f"{m['p_adjusted']:8.2g}"
        )
    return EXIT_MOVED
