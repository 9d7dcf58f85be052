"""The report's figures (seaborn on matplotlib's Agg backend), each written as PNG and SVG.

Intervals are computed in :mod:`cc_evals.analysis` and drawn as given (error bars from ``lo`` and
``hi``); nothing here re-estimates. Items are labelled by display name and ordered by cluster, so
the figure reads like the paper's: dimensions down the side, rate along the bottom, one colour
per group or condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def _save(fig: Figure, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths


def item_order(frame: pd.DataFrame, clusters: Sequence[str] = ()) -> list[str]:
    """Display names ordered by cluster (given order first, then by name), then by name."""
    items = frame[["item_name", "cluster"]].drop_duplicates("item_name")
    rank = {c: i for i, c in enumerate(clusters)}
    items = items.assign(
        _rank=items["cluster"].map(lambda c: rank.get(c, len(rank))), _c=items["cluster"]
    )
    return list(items.sort_values(["_rank", "_c", "item_name"])["item_name"])


def _hue_label(frame: pd.DataFrame, hue: Sequence[str]) -> pd.Series:
    return frame[list(hue)].astype(str).agg(" / ".join, axis=1)


def _dodged_errorbars(
    ax: Axes,
    frame: pd.DataFrame,
    order: list[str],
    hue: pd.Series,
    *,
    scale: float,
    horizontal: bool,
) -> None:
    levels = list(dict.fromkeys(hue))
    palette = sns.color_palette("colorblind", len(levels))
    pos = {name: i for i, name in enumerate(order)}
    width = 0.7
    for j, level in enumerate(levels):
        part = frame[hue.to_numpy() == level]
        offset = (j - (len(levels) - 1) / 2) * width / max(1, len(levels))
        where = part["item_name"].map(pos).to_numpy(dtype=float) + offset
        v = part["value"].to_numpy(dtype=float) * scale
        lo = np.nan_to_num(v - part["lo"].to_numpy(dtype=float) * scale, nan=0.0)
        hi = np.nan_to_num(part["hi"].to_numpy(dtype=float) * scale - v, nan=0.0)
        err = np.vstack([np.clip(lo, 0, None), np.clip(hi, 0, None)])
        if horizontal:
            ax.errorbar(v, where, xerr=err, fmt="o", ms=4, capsize=2, color=palette[j], label=level)
        else:
            ax.errorbar(where, v, yerr=err, fmt="o", ms=4, capsize=2, color=palette[j], label=level)


def dimension_figure(
    summary: pd.DataFrame,
    stem: Path,
    *,
    hue: Sequence[str] = ("model", "condition"),
    clusters: Sequence[str] = (),
    title: str = "",
) -> list[Path]:
    """Paper-style figure: one row per dimension (grouped by cluster), rate in % with intervals."""
    sns.set_theme(style="whitegrid", context="paper")
    order = item_order(summary, clusters)
    labels = _hue_label(summary, hue)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(order) + 1.6))
    _dodged_errorbars(ax, summary, order, labels, scale=100, horizontal=True)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.set_xlabel("rate (%), 95% interval")
    ax.set_ylabel("")
    # cluster separators and names
    cluster_of = summary.drop_duplicates("item_name").set_index("item_name")["cluster"]
    previous = None
    for i, name in enumerate(order):
        cluster = cluster_of.get(name, "")
        if cluster != previous:
            if i:
                ax.axhline(i - 0.5, color="0.6", lw=0.6)
            ax.text(
                1.01,
                i - 0.4,
                str(cluster).replace("_", " "),
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="top",
                fontsize=6,
                color="0.35",
            )
            previous = cluster
    ax.legend(
        title=" / ".join(hue),
        fontsize=7,
        title_fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08 - 1.0 / (len(order) + 4)),
        ncol=2,
        frameon=False,
    )
    if title:
        ax.set_title(title)
    return _save(fig, stem)


def seed_spread(
    per_seed: pd.DataFrame,
    groups: pd.DataFrame,
    stem: Path,
    *,
    clusters: Sequence[str] = (),
    title: str = "",
) -> list[Path]:
    """Each seed's rate per dimension (dots) and the mean over seeds with its t interval."""
    sns.set_theme(style="whitegrid", context="paper")
    order = item_order(per_seed, clusters)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(order) + 1.6))
    data = per_seed.assign(pct=per_seed["rate"] * 100, label=_hue_label(per_seed, ["group"]))
    sns.stripplot(
        data=data,
        x="pct",
        y="item_name",
        hue="label",
        order=order,
        dodge=True,
        palette="colorblind",
        size=3.5,
        alpha=0.6,
        ax=ax,
        jitter=0.15,
        legend=False,
    )
    means = groups.rename(columns={"mean": "value"})
    _dodged_errorbars(ax, means, order, _hue_label(means, ["group"]), scale=100, horizontal=True)
    ax.set_xlim(-2, 102)
    ax.set_xlabel("rate per seed (%); bar: mean over seeds, t interval")
    ax.set_ylabel("")
    ax.legend(title="checkpoint group", fontsize=7, title_fontsize=7, loc="lower right")
    if title:
        ax.set_title(title)
    return _save(fig, stem)


def accuracy_vs_baseline(
    summary: pd.DataFrame,
    stem: Path,
    *,
    accuracy: str = "accuracy",
    baseline: str = "baseline",
    hue: Sequence[str] = ("model",),
) -> list[Path]:
    """Introspection: the model's accuracy per item with intervals, and the baseline's as a tick.

    ``summary`` holds rows of metric ``accuracy`` and ``baseline`` for the same items.
    """
    sns.set_theme(style="whitegrid", context="paper")
    acc = summary[summary["metric"] == accuracy]
    base = summary[summary["metric"] == baseline]
    if acc.empty:
        raise ValueError(f"no rows with metric {accuracy!r} to plot")
    order = item_order(acc)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(order) + 2), 4))
    _dodged_errorbars(ax, acc, order, _hue_label(acc, hue), scale=100, horizontal=False)
    if not base.empty:
        pos = {name: i for i, name in enumerate(order)}
        b = base.groupby("item_name", observed=True)["value"].mean()
        x = [pos[n] for n in b.index if n in pos]
        ax.scatter(
            x,
            [b[n] * 100 for n in b.index if n in pos],
            marker="_",
            s=600,
            color="0.2",
            label="baseline",
            zorder=3,
        )
    ax.set_xticks(range(len(order)), order, rotation=30, ha="right")
    ax.set_ylim(-2, 102)
    ax.set_ylabel("accuracy (%), 95% interval")
    ax.legend(fontsize=7)
    return _save(fig, stem)


def plot_misaligned_rate(
    summary: pd.DataFrame,
    stem: Path,
    *,
    metric: str = "misaligned",
    hue: Sequence[str] = ("model",),
) -> list[Path]:
    """Emergent misalignment: misaligned-answer rate per question, with intervals."""
    sns.set_theme(style="whitegrid", context="paper")
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        raise ValueError(f"no rows with metric {metric!r} to plot")
    order = item_order(rows)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(order) + 1.6))
    _dodged_errorbars(ax, rows, order, _hue_label(rows, hue), scale=100, horizontal=True)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel("misaligned answers (%), 95% interval")
    ax.legend(
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 1.0 / (len(order) + 4)),
        ncol=2,
        frameon=False,
    )
    return _save(fig, stem)
