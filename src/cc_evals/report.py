"""``cc-evals report``: tables, plots, markdown and one self-contained HTML file from any logs.

Writes into ``--out``: ``tidy.csv`` (one row per sample x epoch x metric), ``summary.csv``
(estimates with intervals and the method used), ``seed_rates.csv`` / ``seeds.csv`` (per-seed
rates; mean over seeds with t interval and the between-seed test), ``comparisons.csv`` (groups
vs ``--baseline``), ``plots/`` (PNG and SVG), ``report.md`` and ``report.html``.
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cc_evals import stats
from cc_evals.analysis import (
    BY_CHOICES,
    POOLED_SHARE,
    Settings,
    compare_arms,
    estimate_cells,
    seed_tables,
)
from cc_evals.families import adapter
from cc_evals.results import (
    LogInfo,
    Results,
    SeedMap,
    cluster_order,
    find_logs,
    incomplete,
    load_results,
    scale_of,
)
from cc_evals.self_awareness.compare import add_sections as add_self_awareness_sections

MAX_SERIES = 12  # more series than this in one figure is unreadable


@dataclass
class Report:
    results: Results
    by: list[str]
    settings: Settings
    summary: pd.DataFrame
    seed_rates: pd.DataFrame
    seeds: pd.DataFrame
    comparisons: pd.DataFrame
    baseline: str | None
    figures: list[tuple[str, Path]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # family views
    judge_checks: list[str] = field(default_factory=list)  # lines from judge_check_text


def parse_by(text: str) -> list[str]:
    by = [b.strip() for b in text.split(",") if b.strip()]
    bad = [b for b in by if b not in BY_CHOICES]
    if bad or not by:
        raise ValueError(f"--by {text!r}: choose from {', '.join(BY_CHOICES)} (comma-separated)")
    return by


def build(results: Results, *, by: list[str], settings: Settings, baseline: str | None) -> Report:
    table = results.table
    summary = estimate_cells(table, by, settings)
    seed_rates, seeds = seed_tables(table, settings)
    comparisons = (
        compare_arms(table, arm="group", baseline=baseline, s=settings)
        if baseline is not None
        else pd.DataFrame()
    )
    report = Report(results, by, settings, summary, seed_rates, seeds, comparisons, baseline)
    missing = comparisons.attrs.get("no_baseline", [])
    if missing:
        report.notes.append(
            f"{len(missing)} cell(s) have no scored samples from baseline {baseline!r} and are "
            "not compared: " + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        )
    return report


def _panels(part: pd.DataFrame, hue: list[str]) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """Split a figure per condition when it would have too many series to read."""
    if part[hue].drop_duplicates().shape[0] <= MAX_SERIES or "condition" not in hue:
        return [("", part, hue)]
    rest = [h for h in hue if h != "condition"]
    return [(str(c), p, rest) for c, p in part.groupby("condition", observed=True)]


def make_plots(report: Report, out: Path, *, cache: bool = False) -> None:
    """``cache``: keep a figure drawn by an earlier report into ``out`` for the same data."""
    from cc_evals.figure_cache import draw  # matplotlib only when something is drawn

    hue = [b for b in report.by if b != "task"] or ["model"]
    summary = report.summary
    for (family, task, metric), whole in summary.groupby(
        ["family", "task", "metric"], observed=True
    ):
        for condition, part, panel_hue in _panels(whole, hue):
            series = part[panel_hue].drop_duplicates().shape[0]
            suffix = f"_{condition}" if condition else ""
            slug = f"{str(task).replace('/', '_')}_{metric}{suffix}".replace("/", "_")
            label = f"{task}: {metric}" + (f" ({condition})" if condition else "")
            if series > MAX_SERIES:
                report.notes.append(
                    f"figure {label} skipped: {series} series (> {MAX_SERIES}); "
                    "use --by group,condition to pool seeds"
                )
                continue
            stem = out / "plots" / slug
            # which figure (if any) is the family's call: e.g. introspection draws its baseline
            # beside accuracy; judge scores stay in the tables
            kind = adapter(str(family)).figure(str(metric), scale_of(str(family), str(metric)))
            if kind is None:
                continue
            if kind == "accuracy_vs_baseline":
                rows = summary[summary["task"] == task]
                if condition:
                    rows = rows[rows["condition"] == condition]
                paths = draw("accuracy_vs_baseline", stem, [rows], cache, hue=panel_hue)
            elif kind == "rate_by_item":
                paths = draw("plot_misaligned_rate", stem, [part], cache, hue=panel_hue)
            else:
                paths = draw(
                    "dimension_figure",
                    stem,
                    [part],
                    cache,
                    hue=panel_hue,
                    clusters=cluster_order(str(family)),
                    title=label,
                )
            report.figures.append((label, paths[0]))
    seeds = report.seeds
    if not seeds.empty:
        # the seed figure draws rates in %; scores stay in the seeds table
        seeds = seeds[seeds["scale"].astype(str).isin(["binary 0/1", "proportion 0-1"])]
    groups = seeds[seeds["n_seeds"] >= 2] if not seeds.empty else seeds
    if groups.empty:
        return
    for (family, task, cond, metric), part in groups.groupby(
        ["family", "task", "condition", "metric"], observed=True
    ):
        if part["group"].nunique() > MAX_SERIES:
            report.notes.append(f"seed plot for {task} {cond} skipped: too many groups")
            continue
        rates = report.seed_rates
        sel = rates[
            (rates["task"] == task)
            & (rates["condition"] == cond)
            & (rates["metric"] == metric)
            & rates["group"].isin(part["group"])
        ]
        slug = f"seeds_{str(task).replace('/', '_')}_{cond}_{metric}".replace("/", "_")
        paths = draw(
            "seed_spread",
            out / "plots" / slug,
            [sel, part],
            cache,
            clusters=cluster_order(str(family)),
            title=f"{task}, {cond}: spread over seeds",
        )
        report.figures.append((f"{task} ({cond}): seed spread", paths[0]))


# ---------- rendering ----------


def _pct_or_raw(v: float, kind: str) -> str:
    """By the declared kind: rates (binary, proportion) as percentages, scores in their own
    units (the scale column gives the range) -- never by the size of the value."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if kind in ("binary", "proportion"):
        return f"{100 * v:.1f}%"
    return f"{v:.2f}"


def _kind_of(scale_label: str) -> str:
    return "score" if str(scale_label).startswith("score") else "binary"


def _num(v: float, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{v:.{digits}g}"


def summary_view(report: Report) -> pd.DataFrame:
    s = report.summary
    if s.empty:
        return s
    cols = [*report.by, "task", "item_name", "metric", "scale", "n_scored", "n_unscored"]
    view = s[cols].copy()
    fmt = [_pct_or_raw(v, k) for v, k in zip(s["value"], s["kind"], strict=True)]
    view["estimate"] = fmt
    view["interval"] = [
        f"[{_pct_or_raw(lo, k)}, {_pct_or_raw(hi, k)}]"
        for lo, hi, k in zip(s["lo"], s["hi"], s["kind"], strict=True)
    ]
    view["method"] = s["method"]
    view["interval answers"] = s["question"]
    return view.rename(columns={"item_name": "item"})


def seeds_view(report: Report) -> pd.DataFrame:
    s = report.seeds
    if s.empty:
        return s
    cols = ["group", "condition", "task", "item_name", "metric", "scale", "n_seeds", "seeds"]
    view = s[cols].copy()
    kinds = s["scale"].map(_kind_of)
    view["mean over seeds"] = [_pct_or_raw(v, k) for v, k in zip(s["mean"], kinds, strict=True)]
    view["t interval"] = [
        f"[{_pct_or_raw(lo, k)}, {_pct_or_raw(hi, k)}]"
        for lo, hi, k in zip(s["lo"], s["hi"], kinds, strict=True)
    ]
    view["ICC"] = s["icc"].map(lambda v: _num(v, 2))
    view["between-seed test"] = s["verdict"]
    return view.rename(columns={"item_name": "item"})


def comparisons_view(report: Report) -> pd.DataFrame:
    c = report.comparisons
    if c.empty:
        return c
    view = c[["group", "baseline", "condition", "task", "item_name", "metric", "scale"]].copy()
    view["diff (points of 0-100)"] = c["diff_points"].map(lambda v: f"{v:+.1f}")
    view["interval (points of 0-100)"] = [
        f"[{lo:+.1f}, {hi:+.1f}]" for lo, hi in zip(c["lo_points"], c["hi_points"], strict=True)
    ]
    view["diff (native units)"] = [
        f"{v:+.2f}" if _kind_of(sc) == "score" else f"{100 * v:+.1f} pp"
        for v, sc in zip(c["diff_native"], c["scale"], strict=True)
    ]
    view["p"] = c["p"].map(_num)
    view["p adjusted"] = c["p_adjusted"].map(_num)
    view["significant"] = c["significant"].map(lambda b: "yes" if b else "no")
    view["method"] = c["method"]
    return view.rename(columns={"item_name": "item"})


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(none)_\n"
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def methods_text(report: Report) -> list[str]:
    """What the tables used, in brief; docs/methods.md describes each method once."""
    s = report.settings
    from cc_evals.analysis import MIN_UNITS_TO_GENERALISE, correction_text

    lines = [
        "Every metric has a declared scale (binary 0/1, proportion 0-1, or a judge score with its "
        "range, e.g. Petri 1-10, collaborative-edit protections 0-10, EM 0-100); the method "
        "follows the declaration, never the values seen. Rates are shown in %, scores in their "
        "own units. Each row names its method, and the `interval answers` column says which "
        "question its interval answers. The methods are described in docs/methods.md.",
        f"Estimates: {100 * s.confidence:.0f}% intervals. A cell with at least "
        f"{MIN_UNITS_TO_GENERALISE} prompts gets a Korn-Graubard interval over prompts (prompts "
        "as a sample: Clopper-Pearson at the design-based effective sample size, df = prompts - "
        "1); fewer prompts are held fixed and the interval covers only sampling over epochs "
        "(Clopper-Pearson for one binary prompt): never an interval 'over prompts' from one or "
        "two prompts. A row that pools several models (the seeds of a checkpoint group) reports "
        "the wider of that interval and a t interval over the models' means. Rows with level "
        "`pooled` pool a family's items per cluster and overall.",
        "Seeds: mean over seeds with a Student t interval (seeds are the unit); between-seed "
        f"variation by a two-way seed x prompt ANOVA at alpha={s.alpha} (one-way over samples "
        "when there is a single prompt), with the between-seed share of variance (ICC).",
    ]
    if report.baseline is not None:
        lines.append(
            f"Comparisons against baseline group `{report.baseline}`: the difference in points "
            "on a 0-100 rescale of each metric's declared range (percentage points for rates), "
            "plus the native difference. One checkpoint a side: the arms are compared within "
            "each prompt and combined (Mantel-Haenszel weights; Cochran-Mantel-Haenszel z for "
            "binary values, the stratified mean-score z for scores; small cells also need the "
            f"within-prompt permutation p, {s.n_perm} permutations). Several checkpoints on a "
            "side: a two-way seed x prompt model, t on the difference of seed means with the "
            "larger of the between-seed and the seed x prompt mean squares. The interval uses "
            "the same standard error and reference distribution as the test. p-values are "
            f"adjusted by {correction_text(s)}, per compared group."
        )
    return lines


# task-metadata keys that change what a judged number means; listed per family in the inputs
JUDGE_SETTINGS = ("criterion", "coherence_threshold", "prompts_file", "grader", "grader_note")


def judge_settings_text(logs: Sequence[LogInfo]) -> list[str]:
    """One line per family naming its judge settings, with a warning where the logs differ."""
    by_family: dict[str, Counter[str]] = {}
    for info in logs:
        parts = [
            f"{k}={info.metadata[k]}" for k in JUDGE_SETTINGS if info.metadata.get(k) is not None
        ]
        if parts:
            by_family.setdefault(info.family, Counter())[", ".join(parts)] += 1
    lines = []
    for family, settings in sorted(by_family.items()):
        listed = "; ".join(f"{s} ({n} log{'s' if n > 1 else ''})" for s, n in settings.items())
        warn = " WARNING: the logs differ; compare like with like." if len(settings) > 1 else ""
        lines.append(f"Judge settings, {family}: {listed}.{warn}")
    return lines


def judge_check_paths(results: Results, directory: str | None) -> list[str]:
    """Judge-check logs given among the inputs, plus those under ``directory`` (by default
    ``./judge_checks`` where it exists), each file once."""
    from cc_evals.paths import CHECKS_DIR  # not judge_check: that imports Inspect

    paths = list(results.tools)
    where = Path(directory if directory is not None else CHECKS_DIR)
    if directory is not None and not where.is_dir():
        raise FileNotFoundError(f"--judge-checks {directory}: no such directory")
    if where.is_dir():
        paths += find_logs([where])[0]
    unique = {str(Path(p).resolve()): p for p in reversed(paths)}
    return sorted(unique.values())


def judge_check_text(logs: Sequence[LogInfo], check_paths: Sequence[str]) -> list[str]:
    """For each (family, grader) in the report: the judge check of that grader on that family's
    gold set (accuracy, kappa with its interval, n, gold file), or one line saying there is none."""
    graders = sorted(
        {(i.family, str(i.metadata["grader"])) for i in logs if i.metadata.get("grader")}
    )
    if not graders:
        return []
    from cc_evals.judge_check import read_checks  # imports Inspect: only when there is a grader

    checks = read_checks(check_paths)
    lines = []
    for family, grader in graders:
        found = [c for c in checks if c.family == family and c.grader == grader]
        if not found:
            lines.append(f"Judge check, {family}: no judge check for {grader}.")
        for c in found:
            lines.append(
                f"Judge check, {family}: grader {grader}, {c.figures_text()}, {c.n} gold items, "
                f"gold {c.gold_file} (log {c.location})."
            )
    return lines


def inputs_text(report: Report) -> list[str]:
    logs = report.results.logs
    t = report.results.table
    lines = [
        f"{len(logs)} logs, {int(t['scored'].sum()):,} scored and "
        f"{int((~t['scored']).sum()):,} unscored sample scores; families: "
        f"{', '.join(sorted({i.family for i in logs}))}; models: {t['model'].nunique()}; "
        f"conditions: {', '.join(sorted(map(str, t['condition'].unique())))}.",
    ]
    bad = [i for i in logs if incomplete(i)]
    if bad:
        lines.append(
            f"WARNING: {len(bad)} log(s) did not finish successfully and are reported as they "
            "are: " + "; ".join(f"{i.path} ({i.status})" for i in bad[:10])
        )
    if report.results.duplicates:
        lines.append(
            f"WARNING: {len(report.results.duplicates)} log(s) given more than once, counted "
            "once: "
            + "; ".join(f"{d.dropped} = {d.kept} ({d.why})" for d in report.results.duplicates[:10])
        )
    if report.results.empty:
        lines.append(
            f"Skipped {len(report.results.empty)} log(s) without samples: "
            + "; ".join(f"{i.path} ({incomplete(i)})" for i in report.results.empty)
        )
    if report.results.skipped:
        lines.append(f"Skipped {len(report.results.skipped)} foreign log(s) (--skip-foreign).")
    if report.results.not_logs:
        lines.append(
            f"Ignored {len(report.results.not_logs)} .json file(s) that are not Inspect logs: "
            + ", ".join(report.results.not_logs[:5])
        )
    lines.extend(judge_settings_text(logs))
    lines.extend(report.judge_checks)
    reasons = t.loc[~t["scored"], "reason"].value_counts()
    reasons = reasons[reasons > 0]
    if not reasons.empty:
        lines.append(
            "Unscored by reason: " + ", ".join(f"{k}: {v:,}" for k, v in reasons.items()) + "."
        )
    return lines


def write_markdown(report: Report, path: Path) -> None:
    parts = ["# cc_evals report\n", *[f"{x}\n" for x in inputs_text(report)], "\n## Methods\n"]
    parts += [f"{x}\n" for x in methods_text(report)]
    parts += ["\n## Estimates\n", markdown_table(summary_view(report))]
    parts += ["\n## Seeds\n", markdown_table(seeds_view(report))]
    if report.baseline is not None:
        parts += [
            f"\n## Comparisons with `{report.baseline}`\n",
            markdown_table(comparisons_view(report)),
        ]
    for title, frame in report.sections:
        parts += [f"\n## {title}\n", markdown_table(frame)]
    if report.figures:
        parts.append("\n## Figures\n")
        parts += [f"![{t}]({p.relative_to(path.parent)})\n" for t, p in report.figures]
    if report.notes:
        parts += ["\n## Notes\n", *[f"- {n}\n" for n in report.notes]]
    path.write_text("\n".join(parts))


def write_html(report: Report, path: Path) -> None:
    def table(frame: pd.DataFrame) -> str:
        if frame.empty:
            return "<p><em>(none)</em></p>"
        return frame.to_html(index=False, escape=True, border=0, classes="t")

    body = ["<h1>cc_evals report</h1>"]
    body += [f"<p>{html.escape(x)}</p>" for x in inputs_text(report)]
    body += ["<h2>Methods</h2>", *[f"<p>{html.escape(x)}</p>" for x in methods_text(report)]]
    if report.figures:
        body.append("<h2>Figures</h2>")
        for title, png in report.figures:
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            body.append(
                f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{html.escape(title)}</figcaption></figure>"
            )
    body += ["<h2>Estimates</h2>", table(summary_view(report))]
    body += ["<h2>Seeds</h2>", table(seeds_view(report))]
    if report.baseline is not None:
        body += [
            f"<h2>Comparisons with {html.escape(report.baseline)}</h2>",
            table(comparisons_view(report)),
        ]
    for title, frame in report.sections:
        body += [f"<h2>{html.escape(title)}</h2>", table(frame)]
    if report.notes:
        body += [
            "<h2>Notes</h2><ul>",
            *[f"<li>{html.escape(n)}</li>" for n in report.notes],
            "</ul>",
        ]
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;font-size:14px}"
        "table.t{border-collapse:collapse;font-size:12px}"
        "table.t td,table.t th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
        "img{max-width:100%}"
    )
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>cc_evals report</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>"
    )


def write_outputs(
    report: Report, out: Path, *, with_plots: bool = True, cache: bool = False
) -> list[Path]:
    """``cache``: render ``tidy.csv`` from per-log chunks kept beside the logs (the same bytes)."""
    from cc_evals.tidy_csv import write_tidy

    out.mkdir(parents=True, exist_ok=True)
    write_tidy(report.results.table, out / "tidy.csv", cache=cache)
    report.summary.to_csv(out / "summary.csv", index=False)
    report.seed_rates.to_csv(out / "seed_rates.csv", index=False)
    report.seeds.to_csv(out / "seeds.csv", index=False)
    written = [out / n for n in ("tidy.csv", "summary.csv", "seed_rates.csv", "seeds.csv")]
    if report.baseline is not None:
        report.comparisons.to_csv(out / "comparisons.csv", index=False)
        written.append(out / "comparisons.csv")
    if with_plots:
        make_plots(report, out, cache=cache)
    add_self_awareness_sections(report, out, with_plots=with_plots)
    write_markdown(report, out / "report.md")
    write_html(report, out / "report.html")
    return [*written, out / "report.md", out / "report.html"]


# ---------- CLI ----------


def add_common_stats_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confidence", type=float, default=stats.DEFAULT_CONFIDENCE)
    p.add_argument(
        "--correction",
        choices=["holm", "bh"],
        default="holm",
        help="multiple-comparison correction across dimensions (default holm)",
    )
    p.add_argument(
        "--bootstrap", type=int, default=stats.DEFAULT_BOOTSTRAP, help="cluster bootstrap resamples"
    )
    p.add_argument("--permutations", type=int, default=stats.DEFAULT_PERMUTATIONS)
    p.add_argument("--random-seed", type=int, default=0, help="seed for bootstrap/permutations")
    p.add_argument(
        "--skip-foreign",
        action="store_true",
        help="skip logs that are not cc_evals logs instead of failing",
    )
    p.add_argument("--workers", type=int, default=None, help="processes reading logs")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="read every log again (report: and draw every figure) instead of using the cache "
        "(.cc_evals_cache/ beside local logs; for s3:// and other stores a local folder, "
        "$CC_EVALS_CACHE_DIR or ~/.cache/cc_evals; keyed by each log's size and modification "
        "time or ETag)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    if args.bootstrap < 100 or args.permutations < 100:
        raise ValueError("--bootstrap and --permutations must be at least 100")
    share = getattr(args, "pooled_share", POOLED_SHARE)
    if not 0 < share < 1:
        raise ValueError(f"--pooled-share must be strictly between 0 and 1, got {share}")
    return Settings(
        confidence=args.confidence,
        n_boot=args.bootstrap,
        n_perm=args.permutations,
        seed=args.random_seed,
        correction=args.correction,
        alpha=getattr(args, "alpha", 0.05),
        pooled=not getattr(args, "no_pooled", False),
        pooled_share=getattr(args, "pooled_share", POOLED_SHARE),
    )


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report", help="per-dimension rates with intervals, seeds, comparisons, plots"
    )
    p.add_argument("logs", nargs="+", help="log files or directories")
    p.add_argument("--out", default="report", help="output directory (default ./report)")
    p.add_argument(
        "--by",
        default="model,condition",
        help=f"columns that split the estimates ({', '.join(BY_CHOICES)})",
    )
    p.add_argument(
        "--seeds",
        default=None,
        help="YAML mapping models to {group, seed} (else log metadata "
        "checkpoint_group/checkpoint_seed, else the model name)",
    )
    p.add_argument("--baseline", default=None, help="checkpoint group to compare every group with")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--no-plots", action="store_true")
    p.add_argument(
        "--no-pooled", action="store_true", help="leave out the pooled (per cluster, overall) rows"
    )
    p.add_argument(
        "--judge-checks",
        default=None,
        metavar="DIR",
        help="judge-check logs (cc-evals judge-check) to show beside each family's grader "
        "(default ./judge_checks where it exists)",
    )
    add_common_stats_args(p)
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    start = time.time()
    by = parse_by(args.by)
    settings = settings_from(args)
    results = load_results(
        args.logs,
        seeds=SeedMap.load(args.seeds),
        skip_foreign=args.skip_foreign,
        workers=args.workers,
        cache=not args.no_cache,
    )
    report = build(results, by=by, settings=settings, baseline=args.baseline)
    report.judge_checks = judge_check_text(
        results.logs, judge_check_paths(results, args.judge_checks)
    )
    out = Path(args.out)
    write_outputs(report, out, with_plots=not args.no_plots, cache=not args.no_cache)
    n = len(results.table)
    print(
        f"report: {len(results.logs)} logs, {n:,} sample scores -> {out}/report.html, "
        f"{out}/report.md, {out}/summary.csv ({time.time() - start:.1f} s)"
    )
    for note in report.notes:
        print(f"note: {note}")
    for info in results.logs:
        if incomplete(info):
            print(f"warning: {info.path}: status {info.status}, reported as it is", file=sys.stderr)
    for dup in results.duplicates:
        print(f"warning: {dup.dropped}: counted once, {dup.why} as {dup.kept}", file=sys.stderr)
    for info in results.empty:
        print(f"warning: {info.path}: skipped, {incomplete(info)}", file=sys.stderr)
    return 0
