"""The cross-task view of ``cc-evals report``: does a model's self-rating track what it does?

For each comparison in tasks/self_awareness.yaml: per model, the mean self-rating (rescaled to
0-1 by its declared scale) beside the measured rate (a self_awareness measure, or the EM family's
misaligned rate, complemented where the spec says so); across models (checkpoints), the Pearson
correlation with a Fisher-z interval and a Fig. 4-style scatter. For the trained pattern, the 2x2
of behaviour (detector rate) and awareness (named when asked), per model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as sps

from cc_evals.results import Results, scale_of
from cc_evals.self_awareness.items import family_spec

FAMILY = "self_awareness"


@dataclass(frozen=True)
class Correlation:
    n: int
    r: float
    lo: float
    hi: float


def pearson_interval(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> Correlation:
    """Pearson r with the Fisher-z interval ``tanh(atanh r +- z / sqrt(n - 3))``.

    r is nan with fewer than 3 points or no spread; the interval is nan below 4 points (its
    standard error needs n > 3). At |r| = 1 the interval is the point."""
    n = len(x)
    if n < 3 or np.std(x) == 0 or np.std(y) == 0:
        return Correlation(n, math.nan, math.nan, math.nan)
    r = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    if n < 4:
        return Correlation(n, r, math.nan, math.nan)
    if abs(r) >= 1.0:
        return Correlation(n, r, r, r)
    z = math.atanh(r)
    half = float(sps.norm.ppf(0.5 + confidence / 2)) / math.sqrt(n - 3)
    return Correlation(n, r, math.tanh(z - half), math.tanh(z + half))


def _rescaled(table: pd.DataFrame, family: str, metric: str) -> pd.Series:
    scale = scale_of(family, metric)
    return (table["value"].astype(float) - scale.lo) / scale.span


def _per_model(
    table: pd.DataFrame, family: str, metric: str, item: str | None, complement: bool
) -> pd.DataFrame:
    rows = table[(table["family"] == family) & (table["metric"] == metric) & table["scored"]]
    if item is not None:
        rows = rows[rows["item"] == item]
    if rows.empty:
        return pd.DataFrame(columns=["model", "value", "n"])
    rows = rows.assign(v=_rescaled(rows, family, metric))
    out = rows.groupby("model", observed=True)["v"].agg(["mean", "size"]).reset_index()
    out.columns = ["model", "value", "n"]
    if complement:
        out["value"] = 1.0 - out["value"]
    out["model"] = out["model"].astype(str)
    return out


def self_vs_measured(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-model table and per-comparison correlation table (empty without self-ratings)."""
    table = results.table
    per_model: list[pd.DataFrame] = []
    corr_rows: list[dict[str, Any]] = []
    for comp in family_spec()["comparisons"]:
        self_spec, meas = comp["self"], comp["measured"]
        mine = _per_model(table, FAMILY, self_spec["metric"], self_spec["item"], False)
        other = _per_model(
            table, meas["family"], meas["metric"], meas.get("item"), bool(meas.get("complement"))
        )
        both = mine.merge(other, on="model", suffixes=("_self", "_measured"))
        if both.empty:
            continue
        both.insert(0, "comparison", comp["name"])
        both["measured_as"] = comp["measured_label"]
        per_model.append(both)
        c = pearson_interval(both["value_measured"].to_numpy(), both["value_self"].to_numpy())
        corr_rows.append(
            {"comparison": comp["name"], "models": c.n, "r": c.r, "lo": c.lo, "hi": c.hi}
        )
    if not per_model:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(per_model, ignore_index=True), pd.DataFrame(corr_rows)


QUADRANTS = {
    (True, True): "shows it and names it",
    (True, False): "shows it, does not name it",
    (False, True): "names it, does not show it",
    (False, False): "neither",
}


def pattern_grid(results: Results) -> pd.DataFrame:
    """Per model and pattern: detector rate, named rate, and the 2x2 cell at the threshold."""
    table = results.table
    rows = table[(table["family"] == FAMILY) & table["scored"]]
    rows = rows[rows["metric"].isin(["pattern_shown", "pattern_named"])]
    if rows.empty:
        return pd.DataFrame()
    meta = {i.path: i.metadata for i in results.logs}
    rows = rows.assign(
        pattern=rows["log"].map(lambda p: str(meta.get(str(p), {}).get("pattern", "?"))),
        threshold=rows["log"].map(
            lambda p: float(meta.get(str(p), {}).get("pattern_threshold", 0.5))
        ),
    )
    rates = (
        rows.groupby(["model", "pattern", "metric"], observed=True)
        .agg(rate=("value", "mean"), threshold=("threshold", "first"))
        .reset_index()
    )
    out: list[dict[str, Any]] = []
    for (model, pattern), part in rates.groupby(["model", "pattern"], observed=True):
        got = dict(zip(part["metric"].astype(str), part["rate"], strict=True))
        thr = float(part["threshold"].iloc[0])
        shown, named = got.get("pattern_shown", math.nan), got.get("pattern_named", math.nan)
        cell = (
            QUADRANTS[(shown >= thr, named >= thr)]
            if not (math.isnan(shown) or math.isnan(named))
            else "incomplete"
        )
        out.append(
            {
                "model": str(model),
                "pattern": pattern,
                "shows (detector rate)": shown,
                "names it (judge rate)": named,
                "threshold": thr,
                "2x2 cell": cell,
            }
        )
    return pd.DataFrame(out)


def _pct(v: float) -> str:
    return "" if math.isnan(v) else f"{100 * v:.1f}%"


def scatter(per_model: pd.DataFrame, corr: pd.DataFrame, out: Path) -> list[tuple[str, Path]]:
    """One Fig. 4-style scatter per comparison with two or more models."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from cc_evals import plots  # matplotlib (Agg backend, set there) only when plotting

    figures: list[tuple[str, Path]] = []
    for name, part in per_model.groupby("comparison", sort=False):
        if len(part) < 2:
            continue
        c = corr[corr["comparison"] == name].iloc[0]
        sns.set_theme(style="whitegrid", context="paper")
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
        sns.regplot(
            data=part,
            x="value_measured",
            y="value_self",
            ax=ax,
            ci=None,
            scatter_kws={"s": 30},
            line_kws={"lw": 1},
        )
        for _, row in part.iterrows():
            ax.annotate(
                str(row["model"]).split("/")[-1],
                (row["value_measured"], row["value_self"]),
                fontsize=6,
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.plot([0, 1], [0, 1], ls="--", lw=0.8, color="grey")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(f"measured: {part['measured_as'].iloc[0]}")
        ax.set_ylabel("self-rating (0-1)")
        interval = "" if math.isnan(c["lo"]) else f" [{c['lo']:.2f}, {c['hi']:.2f}]"
        ax.set_title(f"{name}\nr = {c['r']:.2f}{interval}, {int(c['models'])} models", fontsize=8)
        slug = "self_awareness_" + str(name).replace(" ", "_").replace("-", "_")
        paths = plots._save(fig, out / "plots" / slug)
        figures.append((f"self-awareness: {name}", paths[0]))
    return figures


def add_sections(report: Any, out: Path, *, with_plots: bool = True) -> None:
    """Add the family's tables (and figures) to a report; nothing without its logs."""
    per_model, corr = self_vs_measured(report.results)
    grid = pattern_grid(report.results)
    if not per_model.empty:
        per_model.to_csv(out / "self_awareness.csv", index=False)
        view = per_model.assign(
            self_rating=per_model["value_self"].map(_pct),
            measured=per_model["value_measured"].map(_pct),
        )[["comparison", "model", "self_rating", "n_self", "measured", "n_measured", "measured_as"]]
        report.sections.append(("Self-rating vs measured behaviour (per model)", view))
        cview = corr.assign(
            r=corr["r"].map(lambda v: "" if math.isnan(v) else f"{v:+.2f}"),
            interval=[
                "needs 4+ models" if math.isnan(lo) else f"[{lo:+.2f}, {hi:+.2f}]"
                for lo, hi in zip(corr["lo"], corr["hi"], strict=True)
            ],
        )[["comparison", "models", "r", "interval"]]
        report.sections.append(
            ("Self-rating vs measured behaviour across models (Pearson r, Fisher-z 95%)", cview)
        )
        if with_plots:
            report.figures.extend(scatter(per_model, corr, out))
    if not grid.empty:
        view = grid.assign(
            **{
                "shows (detector rate)": grid["shows (detector rate)"].map(_pct),
                "names it (judge rate)": grid["names it (judge rate)"].map(_pct),
            }
        )
        report.sections.append(("Trained pattern: behaviour x awareness", view))
