"""Read cc_evals logs into one tidy table: one row per (sample, epoch, score).

Logs are read only through Inspect's API: ``read_eval_log(header_only=True)`` for the header
and ``read_eval_log_sample_summaries`` for the scores and sample metadata (the summaries are
stored together in a .eval file, so this avoids opening every sample; ``samples_df`` reads the
same summaries but is several times slower per sample). Large sets are read in parallel, one
process per core.

Each family plugs in with a :class:`FamilyAdapter` keyed on the task's ``family`` metadata: which
sample-metadata key names the reported item (dimension, claim type, question), its display name,
its cluster for ordering, and which scores to keep. Adding a family is one ``register_adapter``
call. Logs from other suites are refused (:class:`ForeignLogError`) or skipped on request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.log import (
    EvalLog,
    EvalSampleSummary,
    read_eval_log,
    read_eval_log_sample_summaries,
)

from cc_evals.data import load_yaml

TASK_PREFIX = "cc_evals/"

# columns of the tidy table, in order
COLUMNS = [
    "log",
    "task",
    "family",
    "model",
    "group",
    "seed",
    "condition",
    "item",
    "item_name",
    "cluster",
    "unit",
    "sample_id",
    "epoch",
    "metric",
    "value",
    "scored",
    "reason",
]


class ForeignLogError(ValueError):
    """A log that is not from a cc_evals task (or lacks the family metadata)."""


class UnusableLogError(ValueError):
    """A log that cannot be read or has no samples to report."""


@dataclass(frozen=True)
class FamilyAdapter:
    """How one family's samples map onto the tidy table.

    item_key: sample-metadata key of the reported item (dimension, claim type, question id).
    item_name_key: sample-metadata key with the item's display name (falls back to the item).
    cluster_key: sample-metadata key grouping items for ordering plots and tables (optional).
    scores: score names to keep (None keeps every score of the log).
    metric_names: rename scores to metric labels (e.g. ``preference_judge`` -> ``rate``).
    cluster_order: the clusters' display order (e.g. from the family's task spec).
    """

    family: str
    item_key: str
    item_name_key: str | None = None
    cluster_key: str | None = None
    scores: tuple[str, ...] | None = None
    metric_names: dict[str, str] = field(default_factory=dict)
    cluster_order: Callable[[], list[str]] | None = None


ADAPTERS: dict[str, FamilyAdapter] = {}


def register_adapter(adapter: FamilyAdapter) -> FamilyAdapter:
    ADAPTERS[adapter.family] = adapter
    return adapter


def _preference_clusters() -> list[str]:
    from cc_evals.preferences.dimensions import family_spec

    return list(family_spec()["clusters"])


register_adapter(
    FamilyAdapter(
        family="preferences",
        item_key="dimension",
        item_name_key="dimension_name",
        cluster_key="cluster",
        scores=("preference_judge",),
        metric_names={"preference_judge": "preference"},
        cluster_order=_preference_clusters,
    )
)
# Other families register here when they land, e.g.:
# register_adapter(FamilyAdapter("emergent_misalignment", item_key="question",
#                                 scores=("misaligned", "coherent")))
# register_adapter(FamilyAdapter("introspection", item_key="claim_type",
#                                 scores=("accuracy", "baseline")))


def cluster_order(family: str) -> list[str]:
    adapter = ADAPTERS.get(family)
    if adapter is None or adapter.cluster_order is None:
        return []
    try:
        return adapter.cluster_order()
    except (OSError, ValueError, KeyError):
        return []


@dataclass(frozen=True)
class LogInfo:
    """Header facts about one log, for the report's list of inputs and the gate's checks."""

    path: str
    task: str
    family: str
    model: str
    condition: str
    status: str
    samples: int
    metadata: dict[str, Any]
    error: str | None = None


def check_header(log: EvalLog, path: str) -> FamilyAdapter:
    """The log's adapter, or :class:`ForeignLogError` saying why it is not a cc_evals log."""
    task = log.eval.task
    if not task.startswith(TASK_PREFIX):
        raise ForeignLogError(
            f"{path}: task {task!r} is not a cc_evals task (names start with {TASK_PREFIX!r}); "
            "pass --skip-foreign to ignore such logs"
        )
    family = (log.eval.metadata or {}).get("family")
    if not family:
        raise ForeignLogError(
            f"{path}: task {task!r} has no 'family' in its metadata; not a cc_evals log "
            "(pass --skip-foreign to ignore it)"
        )
    adapter = ADAPTERS.get(str(family))
    if adapter is None:
        known = ", ".join(sorted(ADAPTERS))
        raise ForeignLogError(
            f"{path}: family {family!r} has no report adapter (known: {known}); "
            "add one with cc_evals.results.register_adapter"
        )
    return adapter


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("c", "yes", "true"):
            return 1.0
        if lowered in ("i", "no", "false", "n"):
            return 0.0
        try:
            return float(lowered)
        except ValueError:
            return None
    return None


def _sample_rows(
    summaries: Iterable[EvalSampleSummary], adapter: FamilyAdapter, out: dict[str, list[Any]]
) -> int:
    """Append one row per kept score of every sample; returns the number of samples seen."""
    item_key = adapter.item_key
    name_key = adapter.item_name_key
    cluster_key = adapter.cluster_key
    keep = adapter.scores
    rename = adapter.metric_names
    items, names, clusters = out["item"], out["item_name"], out["cluster"]
    units, sample_ids, epochs = out["unit"], out["sample_id"], out["epoch"]
    metrics, values, scored, reasons = out["metric"], out["value"], out["scored"], out["reason"]
    seen = 0
    for s in summaries:
        seen += 1
        md = s.metadata
        item = str(md.get(item_key, "(none)"))
        name = str(md.get(name_key, item)) if name_key else item
        cluster = str(md.get(cluster_key, "")) if cluster_key else ""
        sid = str(s.id)
        scores = s.scores or {}
        wanted = [(k, v) for k, v in scores.items() if keep is None or k in keep]
        if not wanted:
            # an errored or unscored sample still counts as unscored for every kept metric
            reason = "sample_error" if s.error else ("limit" if s.limit else "no_score")
            for metric in keep or ("score",):
                items.append(item)
                names.append(name)
                clusters.append(cluster)
                units.append(sid)
                sample_ids.append(sid)
                epochs.append(s.epoch)
                metrics.append(rename.get(metric, metric))
                values.append(math.nan)
                scored.append(False)
                reasons.append(reason)
            continue
        for metric, score in wanted:
            raw = score.value
            parts = (
                [(f"{metric}/{k}", v) for k, v in raw.items()]
                if isinstance(raw, dict)
                else [(metric, raw)]
            )
            for label, v in parts:
                value = _as_float(v)
                ok = value is not None and not math.isnan(value)
                items.append(item)
                names.append(name)
                clusters.append(cluster)
                units.append(sid)
                sample_ids.append(sid)
                epochs.append(s.epoch)
                metrics.append(rename.get(label, label))
                values.append(value if ok else math.nan)
                scored.append(ok)
                reasons.append(
                    ""
                    if ok
                    else str(score.reason or ("non_numeric" if value is None else "unscored"))
                )
    return seen


SAMPLE_COLUMNS = [
    "item",
    "item_name",
    "cluster",
    "unit",
    "sample_id",
    "epoch",
    "metric",
    "value",
    "scored",
    "reason",
]


def read_one(path: str, skip_foreign: bool = False) -> tuple[LogInfo | None, pd.DataFrame | None]:
    """Header and tidy rows of one log; (None, None) for a skipped foreign log."""
    try:
        header = read_eval_log(path, header_only=True)
    except Exception as ex:  # noqa: BLE001 - any read failure is the user's file, say which
        raise UnusableLogError(f"{path}: cannot read log: {ex}") from None
    try:
        adapter = check_header(header, path)
    except ForeignLogError:
        if skip_foreign:
            return (None, None)
        raise
    meta = dict(header.eval.metadata or {})
    condition = str(meta.get("condition", "vanilla"))
    cols: dict[str, list[Any]] = {c: [] for c in SAMPLE_COLUMNS}
    try:
        summaries = read_eval_log_sample_summaries(path)
    except Exception as ex:  # noqa: BLE001
        raise UnusableLogError(f"{path}: cannot read sample summaries: {ex}") from None
    n = _sample_rows(summaries, adapter, cols)
    info = LogInfo(
        path=path,
        task=header.eval.task,
        family=adapter.family,
        model=header.eval.model,
        condition=condition,
        status=header.status,
        samples=n,
        metadata=meta,
        error=header.error.message if header.error else None,
    )
    frame = pd.DataFrame(cols)
    for c in ("item", "item_name", "cluster", "metric", "reason"):
        frame[c] = frame[c].astype("category")
    frame["log"] = path
    return info, frame


def expand_paths(paths: Sequence[str | Path]) -> list[str]:
    """Log files from files and directories (recursively), in a stable order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                str(f) for f in path.rglob("*") if f.suffix in (".eval", ".json") and f.is_file()
            )
            found = [f for f in found if not f.endswith(("logs.json", "eval-set.json"))]
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        else:
            raise FileNotFoundError(f"{p}: no such log file or directory")
    return out


@dataclass(frozen=True)
class SeedMap:
    """Model -> (checkpoint group, seed), from a seeds YAML file and/or log metadata."""

    models: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> SeedMap:
        """Read ``models: {<model>: {group: <name>, seed: <int>}}`` from YAML."""
        if path is None:
            return cls()
        raw = load_yaml(Path(path))
        models = raw.get("models") if isinstance(raw, dict) else None
        if not isinstance(models, dict):
            raise ValueError(f"{path}:1: expected 'models:' mapping model -> {{group, seed}}")
        out: dict[str, tuple[str, int | None]] = {}
        for model, spec in models.items():
            if model == "__line__":
                continue
            if not isinstance(spec, dict) or "group" not in spec:
                line = models.get("__line__", 1)
                raise ValueError(f"{path}:{line}: model {model!r} needs {{group: ..., seed: ...}}")
            seed = spec.get("seed")
            if seed is not None and not isinstance(seed, int):
                raise ValueError(
                    f"{path}:{spec.get('__line__', 1)}: seed of {model!r} must be an integer"
                )
            out[str(model)] = (str(spec["group"]), seed)
        return cls(out)

    def resolve(self, model: str, metadata: dict[str, Any]) -> tuple[str, int | None]:
        """Group and seed of a log: the YAML wins, then log metadata, then the model name."""
        if model in self.models:
            return self.models[model]
        group = metadata.get("checkpoint_group")
        seed = metadata.get("seed")
        try:
            seed_int = int(seed) if seed is not None else None
        except (TypeError, ValueError):
            seed_int = None
        return (str(group) if group else model, seed_int)


@dataclass
class Results:
    """The tidy table plus the list of logs it came from."""

    table: pd.DataFrame
    logs: list[LogInfo]
    skipped: list[str]


def _read_worker(args: tuple[str, bool]) -> tuple[LogInfo | None, pd.DataFrame | None, str]:
    path, skip = args
    info, frame = read_one(path, skip)
    return info, frame, path


def load_results(
    paths: Sequence[str | Path],
    *,
    seeds: SeedMap | None = None,
    skip_foreign: bool = False,
    workers: int | None = None,
) -> Results:
    """Read every log under ``paths`` into one tidy table (see :data:`COLUMNS`)."""
    files = expand_paths(paths)
    if not files:
        raise ValueError(f"no .eval or .json logs found in {', '.join(map(str, paths))}")
    seeds = seeds or SeedMap()
    jobs = [(f, skip_foreign) for f in files]
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if n_workers > 1 and len(files) >= 8:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            outcomes = list(pool.map(_read_worker, jobs, chunksize=max(1, len(jobs) // 64)))
    else:
        outcomes = [_read_worker(job) for job in jobs]
    infos: list[LogInfo] = []
    frames: list[pd.DataFrame] = []
    skipped: list[str] = []
    for info, frame, path in outcomes:
        if info is None or frame is None:
            skipped.append(path)
            continue
        group, seed = seeds.resolve(info.model, info.metadata)
        frame["task"] = info.task
        frame["family"] = info.family
        frame["model"] = info.model
        frame["group"] = group
        frame["seed"] = seed if seed is not None else -1
        frame["condition"] = info.condition
        infos.append(info)
        frames.append(frame)
    if not frames:
        raise ValueError("no cc_evals logs to report (every log was skipped as foreign)")
    table = pd.concat(frames, ignore_index=True)
    for c in ("log", "task", "family", "model", "group", "condition", "unit", "sample_id"):
        table[c] = table[c].astype("category")
    for c in ("item", "item_name", "cluster", "metric", "reason"):
        table[c] = table[c].astype(str).astype("category")
    table["seed"] = table["seed"].astype("int64")
    table["epoch"] = table["epoch"].astype("int32")
    return Results(table=table[COLUMNS], logs=infos, skipped=skipped)
