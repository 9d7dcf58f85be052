"""Read cc_evals logs into one tidy table: one row per (sample, epoch, score).

A finished ``.eval`` log's header and sample summaries are read straight from its zip
(:mod:`cc_evals.eval_zip`); JSON logs, logs still running or killed, and unknown layouts go
through Inspect's ``read_eval_log(header_only=True)`` and ``read_eval_log_sample_summaries``.
Both give the same rows (tested on every family). Each log's rows can be cached beside it
(:mod:`cc_evals.row_cache`), so a report reads only new or changed logs; several logs are read
in parallel, one process per core.

Each family plugs in with a :class:`~cc_evals.adapter.FamilyAdapter` (``ADAPTER`` in
``cc_evals/<family>/report.py``, found through :mod:`cc_evals.families`) keyed on the task's
``family`` metadata: which sample-metadata key names the reported item (dimension, claim type,
question), its display name, its cluster for ordering, and which scores to keep. Logs from other
suites are refused (:class:`ForeignLogError`) or skipped on request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pyarrow as pa

from cc_evals import row_cache, store
from cc_evals.adapter import (
    BINARY,
    PROPORTION,
    FamilyAdapter,
    MetricRow,
    Scale,
    ScoreLike,
    dict_rows,
    score_scale,
    to_float,
)
from cc_evals.data import load_yaml
from cc_evals.eval_zip import Header, open_eval, read_header, read_summaries
from cc_evals.families import (
    EXTERNAL,
    FAMILIES,
    TASK_PREFIX,
    TOOLS,
    adapter,
    family_of,
    registered_tasks,
)

__all__ = [
    "BINARY",
    "COLUMNS",
    "PROPORTION",
    "FamilyAdapter",
    "MetricRow",
    "Scale",
    "dict_rows",
    "load_results",
    "score_scale",
]

# per-sample columns an adapter fills; the tidy table prefixes them with the log's own columns
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
    "label",
]
# columns of the tidy table, in order
COLUMNS = ["log", "task", "family", "model", "group", "seed", "condition", *SAMPLE_COLUMNS]


class SummaryLike(Protocol):
    """A sample summary as the rows need it: Inspect's ``EvalSampleSummary`` or
    :class:`cc_evals.eval_zip.Summary`."""

    @property
    def id(self) -> int | str: ...
    @property
    def epoch(self) -> int: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def scores(self) -> Mapping[str, ScoreLike] | None: ...
    @property
    def error(self) -> Any: ...
    @property
    def limit(self) -> Any: ...


class ForeignLogError(ValueError):
    """A log that is not from a cc_evals task (or lacks the family metadata)."""


class ToolLogError(ValueError):
    """A log of one of the suite's tools (:data:`~cc_evals.families.TOOLS`, e.g. a judge check):
    ours, but not a measurement; the report reads it apart, never into the table."""


class UnusableLogError(ValueError):
    """A log that cannot be read or has no samples to report."""


def scale_of(family: str, metric: str) -> Scale:
    """The declared scale of one (family, metric); every table row has one."""
    return adapter(family).scale(metric)


def cluster_order(family: str) -> list[str]:
    try:
        found = adapter(family)
    except ValueError:
        return []
    if found.cluster_order is None:
        return []
    try:
        return found.cluster_order()
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
    eval_id: str = ""
    registry_name: str | None = None  # the task's registry name, as Inspect recorded it
    packages: dict[str, str] = field(default_factory=dict)  # distributions that ran it


def check_header(header: Header, path: str) -> FamilyAdapter:
    """The log's adapter, or :class:`ForeignLogError` saying why it is not a cc_evals log."""
    from cc_evals.external import external_tasks

    task = header.task
    if task in external_tasks():
        return adapter(EXTERNAL)
    if not task.startswith(TASK_PREFIX):
        raise ForeignLogError(
            f"{path}: task {task!r} is not a cc_evals task (names start with {TASK_PREFIX!r}); "
            "pass --skip-foreign to ignore such logs"
        )
    family = header.metadata.get("family")
    if not family:
        raise ForeignLogError(
            f"{path}: task {task!r} has no 'family' in its metadata; not a cc_evals log "
            "(pass --skip-foreign to ignore it)"
        )
    if str(family) in TOOLS:
        raise ToolLogError(f"{path}: a {family} log checks the instrument, not a model")
    if str(family) not in FAMILIES:
        raise ForeignLogError(
            f"{path}: family {family!r} is not one of ours ({', '.join(FAMILIES)}); "
            "a new family is added in cc_evals/families.py"
        )
    return adapter(str(family))


def _item_of(md: dict[str, Any], key: str | tuple[str, ...]) -> str:
    if isinstance(key, str):
        return str(md.get(key, "(none)"))
    return ".".join(str(md.get(k, "(none)")) for k in key)


def _sample_rows(
    summaries: Iterable[SummaryLike],
    fam: FamilyAdapter,
    out: dict[str, list[Any]],
    task_meta: dict[str, Any],
) -> int:
    """Append one row per metric of every kept score; returns the number of samples seen.

    An unscored score counts as unscored, with its reason, under every metric that the same
    scorer gave the scored samples of the same item (else of the log); a sample without scores
    (error, limit) under every metric of the item (else of the log); both fall back to the
    adapter's ``unscored_metrics``: never a metric named after the scorer.
    Those rows follow the scored ones (one pass; a hot loop over a million samples).
    """
    name_key = fam.item_name_key
    cluster_key = fam.cluster_key
    keep = fam.scores
    rename = fam.metric_names
    derive = fam.derive
    items, names, clusters, units, sample_ids, epochs = (out[c] for c in SAMPLE_COLUMNS[:6])
    metrics, values, scored, reasons, labels = (out[c] for c in SAMPLE_COLUMNS[6:])
    # (item, name, cluster, sample id, epoch, reason, scorer or None for the whole sample)
    pending: list[tuple[str, str, str, str, int, str, str | None]] = []
    # metrics seen per (item, scorer) and per item (in first-seen order)
    seen_metrics: dict[tuple[str, str], dict[str, None]] = {}
    item_metrics: dict[str, dict[str, None]] = {}
    isnan = math.isnan
    nan = math.nan
    n = 0
    for s in summaries:
        n += 1
        md = s.metadata
        item = _item_of(md, fam.item_key)
        name = str(md.get(name_key, item)) if name_key else item
        cluster = str(md.get(cluster_key, "")) if cluster_key else ""
        sid = str(s.id)
        epoch = s.epoch
        any_row = False
        for metric, score in (s.scores or {}).items():
            if keep is not None and metric not in keep:
                continue
            any_row = True
            why = str(score.reason or "unscored")
            value = score.value
            if value is None or (isinstance(value, float) and isnan(value)):
                pending.append((item, name, cluster, sid, epoch, why, metric))
                continue
            if derive is not None:
                got = derive(metric, score, task_meta)
            else:
                got = [MetricRow(rename.get(metric, metric), to_float(value))]
            seen = seen_metrics.setdefault((item, metric), {})
            on_item = item_metrics.setdefault(item, {})
            for r in got:
                v = r.value
                ok = v is not None and not isnan(v)
                items.append(item)
                names.append(name)
                clusters.append(cluster)
                units.append(sid)
                sample_ids.append(sid)
                epochs.append(epoch)
                metrics.append(r.metric)
                values.append(v if ok else nan)
                scored.append(ok)
                reasons.append("" if ok else (r.reason or why))
                labels.append(r.label)
                seen[r.metric] = None
                on_item[r.metric] = None
        if not any_row:
            why = "sample_error" if s.error else ("limit" if s.limit else "no_score")
            pending.append((item, name, cluster, sid, epoch, why, None))
    log_metrics = {m: None for seen in item_metrics.values() for m in seen}
    by_scorer: dict[str, dict[str, None]] = {}
    for (_, source), seen in seen_metrics.items():
        by_scorer.setdefault(source, {}).update(seen)
    fallback = tuple(log_metrics) or fam.placeholder_metrics()
    for item, name, cluster, sid, epoch, why, scorer_name in pending:
        if scorer_name is None:
            these = tuple(item_metrics.get(item, ())) or fallback
        else:
            these = (
                tuple(seen_metrics.get((item, scorer_name), ()))
                or tuple(by_scorer.get(scorer_name, ()))
                or (fallback if len(fam.scores or ()) <= 1 else fam.placeholder_metrics())
            )
        for metric in these:
            items.append(item)
            names.append(name)
            clusters.append(cluster)
            units.append(sid)
            sample_ids.append(sid)
            epochs.append(epoch)
            metrics.append(metric)
            values.append(nan)
            scored.append(False)
            reasons.append(why)
            labels.append("")
    return n


def _check_scales(frame: pd.DataFrame, fam: FamilyAdapter) -> pd.DataFrame:
    """Values outside their metric's declared scale become unscored ("out_of_scale").

    Vectorised per metric (a handful per log), so reading stays free of per-sample work.
    """
    if frame.empty:
        return frame
    values = frame["value"].to_numpy(dtype=float)
    metric = frame["metric"].astype(str).to_numpy()
    bad = np.zeros(values.size, dtype=bool)
    for name in np.unique(metric):
        scale = fam.scale(str(name))
        sel = metric == name
        v = values[sel]
        wrong = (v < scale.lo) | (v > scale.hi)
        if scale.kind == "binary":
            wrong |= ~np.isnan(v) & (v != 0.0) & (v != 1.0)
        bad[np.flatnonzero(sel)[wrong]] = True
    if bad.any():
        frame = frame.copy()
        frame.loc[bad, "value"] = math.nan
        frame.loc[bad, "scored"] = False
        frame.loc[bad, "reason"] = "out_of_scale"
    return frame


def _inspect_reader(path: str) -> tuple[Header, Callable[[], Iterable[SummaryLike]]]:
    from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries

    try:
        header = Header.of(read_eval_log(path, header_only=True))
    except Exception as ex:  # noqa: BLE001 - any read failure is the user's file, say which
        raise UnusableLogError(f"{path}: cannot read log: {ex}") from None
    return header, lambda: read_eval_log_sample_summaries(path)


def _zip_reader(path: str) -> tuple[Header, Callable[[], Iterable[SummaryLike]]] | None:
    """The direct reader of :mod:`cc_evals.eval_zip`, or None where it does not apply."""
    log = open_eval(path)
    header = read_header(log) if log is not None else None
    if log is None or header is None:
        return None

    def summaries() -> Iterable[SummaryLike]:
        found = read_summaries(log)
        if found is None:  # an older layout: Inspect knows how to read it
            from inspect_ai.log import read_eval_log_sample_summaries

            return read_eval_log_sample_summaries(path)
        return found

    return header, summaries


def read_one(
    path: str, skip_foreign: bool = False, *, direct: bool = True
) -> tuple[LogInfo | None, pd.DataFrame | None]:
    """Header and tidy rows of one log; (None, None) for a skipped foreign log.

    ``direct`` reads a finished .eval log's members straight from the zip
    (:mod:`cc_evals.eval_zip`); otherwise, and for any other log, Inspect's reader.
    """
    try:
        got = _zip_reader(path) if direct else None
    except Exception:  # noqa: BLE001 - a damaged member: let Inspect's reader say what is wrong
        got = None
    header, summaries = got if got is not None else _inspect_reader(path)
    try:
        fam = check_header(header, path)
    except ForeignLogError:
        if skip_foreign:
            return (None, None)
        raise
    meta = header.metadata
    condition = str(meta.get("condition", "vanilla"))
    cols: dict[str, list[Any]] = {c: [] for c in SAMPLE_COLUMNS}
    try:
        n = _sample_rows(summaries(), fam, cols, meta)
    except Exception as ex:  # noqa: BLE001
        raise UnusableLogError(f"{path}: cannot read sample summaries: {ex}") from None
    info = LogInfo(
        path=path,
        task=header.task,
        family=fam.family,
        model=header.model,
        condition=condition,
        status=header.status,
        samples=n,
        metadata=meta,
        error=header.error,
        eval_id=header.eval_id,
        registry_name=header.registry_name,
        packages=header.packages,
    )
    frame = pd.DataFrame(cols)
    if fam.item_from_header is not None:
        item = fam.item_from_header(header)
        frame["item"] = item
        frame["item_name"] = item
    if fam.finalize is not None:
        frame = fam.finalize(frame)
    try:
        frame = _check_scales(frame, fam)
    except ValueError as ex:
        raise UnusableLogError(f"{path}: {ex}") from None
    for c in ("item", "item_name", "cluster", "metric", "reason", "label"):
        frame[c] = frame[c].astype("category")
    frame["log"] = path
    return info, frame


# Inspect's own listings in a log folder, not logs
INSPECT_LISTINGS = ("logs.json", "eval-set.json")


def _is_inspect_json_log(path: Path | str) -> bool:
    """An Inspect JSON log opens with its "version" field; other JSON (gate.json, configs) not."""
    try:
        head = store.read_range(str(path), 0, 256)
    except (OSError, store.StoreError):
        return False
    text = head.lstrip().decode("utf-8", errors="replace")
    return text.startswith("{") and text[1:].lstrip().startswith('"version"')


def _find_remote(url: str, out: list[str], ignored: list[str]) -> None:
    """find_logs for a URL (s3://bucket/prefix, ...): one listing of the store."""
    listed = store.list_files(url)
    if listed is None:
        out.append(url)
        return
    for f in listed:
        name = f.rsplit("/", 1)[-1]
        if not name.endswith((".eval", ".json")) or name in INSPECT_LISTINGS:
            continue
        if name.endswith(".json") and not _is_inspect_json_log(f):
            ignored.append(f)
        else:
            out.append(f)


def find_logs(paths: Sequence[str | Path]) -> tuple[list[str], list[str]]:
    """Log files from files and directories (recursively; local, or URLs of any fsspec store,
    see :mod:`cc_evals.store`), in a stable order, and the .json files under those directories
    that are not Inspect logs (skipped, so e.g. a ``gate --json`` output saved beside the logs
    does not break the next run)."""
    out: list[str] = []
    ignored: list[str] = []
    for p in paths:
        if store.is_remote(str(p)):
            _find_remote(str(p), out, ignored)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f for f in path.rglob("*") if f.suffix in (".eval", ".json") and f.is_file()
            )
            for f in found:
                if f.name in INSPECT_LISTINGS:
                    continue
                if f.suffix == ".json" and not _is_inspect_json_log(f):
                    ignored.append(str(f))
                else:
                    out.append(str(f))
        elif path.is_file():
            out.append(str(path))
        else:
            raise FileNotFoundError(f"{p}: no such log file or directory")
    return out, ignored


# the distribution names our tasks are recorded under in a log's ``packages``
OUR_DISTRIBUTIONS = frozenset({"cc-evals", "cc_evals"})


def impostor(info: LogInfo, registered: Collection[str]) -> str | None:
    """Why a log that claims to be ours (cc_evals/ task, our family metadata) is not, or None.

    Checked against what Inspect recorded, not what the task said about itself: the registry
    name must be the task name, the task must be one of our registered tasks and of the family
    it claims, and the distribution that provided it (``packages``) must be ours.
    """
    if info.family == EXTERNAL:
        return None
    if info.registry_name and info.registry_name != info.task:
        return f"its task is registered as {info.registry_name!r}, not {info.task!r}"
    if family_of(info.task) != info.family:
        return f"task {info.task!r} is not a {info.family} task"
    if info.task not in registered:
        return f"no cc_evals task is named {info.task!r} (see `cc-evals list`)"
    others = sorted(set(info.packages) - {"inspect_ai"} - OUR_DISTRIBUTIONS)
    if others:
        return f"its task came from package {', '.join(others)}, not cc-evals"
    return None


@dataclass(frozen=True)
class Duplicate:
    """A log counted once: ``dropped`` repeats ``kept`` (the same file, or the same eval id)."""

    dropped: str
    kept: str
    why: str


def _completeness(info: LogInfo) -> tuple[bool, int]:
    return (info.status == "success", info.samples)


def _identity(info: LogInfo) -> tuple[str, str]:
    """What makes two logs one: the eval id (a copy keeps it; Inspect gives every run and retry
    a new one), or for a log written without one, its bytes."""
    if info.eval_id:
        return (info.eval_id, f"same eval id {info.eval_id}")
    # computed once per version of a remote log (cc_evals.store), not downloaded every report
    return (f"sha256:{store.content_digest(info.path)}", "identical file")


def drop_duplicates(infos: list[LogInfo]) -> tuple[list[LogInfo], list[Duplicate]]:
    """One log per identity (:func:`_identity`): the most complete copy is kept (finished,
    then most samples, then first given)."""
    ids = {i.path: _identity(i) for i in infos}
    best: dict[str, LogInfo] = {}
    for info in infos:
        key = ids[info.path][0]
        held = best.get(key)
        if held is None or _completeness(info) > _completeness(held):
            best[key] = info
    kept = [i for i in infos if best[ids[i.path][0]] is i]
    dropped = [
        Duplicate(i.path, best[ids[i.path][0]].path, ids[i.path][1])
        for i in infos
        if best[ids[i.path][0]] is not i
    ]
    return kept, dropped


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
        """Group and seed of a log: the YAML wins, then the log's ``checkpoint_group`` and
        ``checkpoint_seed`` metadata (``inspect eval --metadata``), then the model name."""
        if model in self.models:
            return self.models[model]
        group = metadata.get("checkpoint_group")
        seed = metadata.get("checkpoint_seed")
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
    not_logs: list[str] = field(default_factory=list)
    # logs without a single sample (a killed or still-running eval): listed, not in the table
    empty: list[LogInfo] = field(default_factory=list)
    # logs given twice (same file, or a copy with the same eval id): counted once, listed
    duplicates: list[Duplicate] = field(default_factory=list)
    # how many logs were read (not taken from the row cache)
    read_logs: int = 0
    # logs of the suite's tools (a judge check): not measurements, for the report to read apart
    tools: list[str] = field(default_factory=list)


def incomplete(info: LogInfo) -> str | None:
    """Why a log is not a finished run, or None: the one policy of ``report`` and ``gate``.

    A log without samples is skipped by both (listed in the report's inputs); a log that did not
    finish but has samples is reported as it is, with a warning, and refused by the gate.
    """
    if info.samples == 0:
        return f"no samples (status {info.status}: killed, or still running)"
    if info.status != "success":
        return f"status {info.status}"
    return None


@dataclass(frozen=True)
class _Job:
    path: str
    skip_foreign: bool
    direct: bool
    cache: bool
    registered: frozenset[str]


def _read_worker(job: _Job) -> tuple[LogInfo | None, pd.DataFrame | None, str, bool]:
    """Read one log (not in the cache), check it is ours, and cache its rows; the last field
    says the log is a tool's (:class:`ToolLogError`), not a measurement."""
    key = row_cache.key_of(job.path) if job.cache else None
    try:
        info, frame = read_one(job.path, job.skip_foreign, direct=job.direct)
    except ToolLogError:
        return None, None, job.path, True
    if info is None or frame is None:
        return None, None, job.path, False
    why = impostor(info, job.registered)
    if why is not None:
        if job.skip_foreign:
            return None, None, job.path, False
        raise ForeignLogError(
            f"{job.path}: claims to be a cc_evals log but {why}; "
            "pass --skip-foreign to ignore such logs"
        )
    if job.cache:
        row_cache.store(job.path, info, frame, key)
    return info, frame, job.path, False


def _unique_files(files: list[str]) -> tuple[list[str], list[Duplicate]]:
    first: dict[str, str] = {}
    dups: list[Duplicate] = []
    for f in files:
        key = f if store.is_remote(f) else os.path.realpath(f)
        if key in first:
            dups.append(Duplicate(f, first[key], "the same file given twice"))
        else:
            first[key] = f
    return list(first.values()), dups


def _joined(frames: list[pd.DataFrame | pa.Table]) -> pd.DataFrame:
    """The logs' rows in one frame (without the ``log`` column): joined as Arrow tables,
    converted once (a frame read now takes the cache's form first), or, should Arrow refuse
    to join them, as frames."""
    import pyarrow as pa

    tables = [row_cache.to_arrow(f) if isinstance(f, pd.DataFrame) else f for f in frames]
    try:
        joined: pd.DataFrame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
        return joined
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        parts: list[pd.DataFrame] = [t.to_pandas() for t in tables]
        return pd.concat(parts, ignore_index=True)


def _str_categories(column: pd.Series) -> pd.Series:
    """``column.astype(str).astype("category")`` (the values as strings, categories sorted),
    from a categorical's codes where it is one without missing values: a million rows are
    then not turned into strings and hashed again."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        names = np.asarray([str(c) for c in column.cat.categories], dtype=object)
        used = np.unique(codes)
        if used.size and used[0] >= 0 and np.unique(names[used]).size == used.size:
            present = names[used]
            order = np.argsort(present, kind="stable")
            recode = np.full(names.size, -1, dtype=np.int64)
            recode[used[order]] = np.arange(used.size)
            found = pd.Categorical.from_codes(recode[codes], categories=pd.Index(present[order]))
            return pd.Series(found, index=column.index, name=column.name)
    return column.astype(str).astype("category")


# the columns a log's rows share, filled from its header and the seed map
LOG_COLUMNS = ("task", "family", "model", "group", "seed", "condition")


def _repeated(values: list[Any], lengths: list[int]) -> pd.Series | NDArray[np.int64]:
    """``values[i]`` repeated ``lengths[i]`` times: a categorical of strings (categories
    sorted, as ``astype("category")`` makes them), or int64 for the seeds."""
    if all(isinstance(v, int) for v in values):
        return np.repeat(np.asarray(values, dtype=np.int64), lengths)
    names = sorted(set(values))
    code = {v: i for i, v in enumerate(names)}
    codes = np.repeat(np.asarray([code[v] for v in values], dtype=np.int64), lengths)
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(names)))


def load_results(
    paths: Sequence[str | Path],
    *,
    seeds: SeedMap | None = None,
    skip_foreign: bool = False,
    workers: int | None = None,
    cache: bool = False,
    direct: bool = True,
) -> Results:
    """Read every log under ``paths`` into one tidy table (see :data:`COLUMNS`).

    Nothing is taken on trust: a file given twice, or a copy of a log (same eval id), is counted
    once (``Results.duplicates``); a log claiming to be ours that is not (:func:`impostor`) is
    foreign; a log without samples is listed (``Results.empty``), not read into the table.

    ``cache`` keeps each log's rows in ``.cc_evals_cache/`` beside it (:mod:`cc_evals.row_cache`;
    a remote log's in a local cache folder) and reads only logs that are new or changed. Paths
    may be URLs of any fsspec store (:mod:`cc_evals.store`). ``direct=False`` reads every log with
    Inspect's reader instead of straight from the zip.
    """
    found, not_logs = find_logs(paths)
    if not found:
        raise ValueError(f"no .eval or .json logs found in {', '.join(map(str, paths))}")
    files, duplicates = _unique_files(found)
    seeds = seeds or SeedMap()
    # a log's rows: a frame when read now, an Arrow table when from the cache
    read: dict[str, tuple[LogInfo, pd.DataFrame | pa.Table]] = {}
    todo = list(files)
    if cache:
        hits = {f: row_cache.load_arrow(f) for f in files}
        read = {f: hit for f, hit in hits.items() if hit is not None}
        todo = [f for f in files if f not in read]
    outcomes: list[tuple[LogInfo | None, pd.DataFrame | None, str, bool]] = []
    if todo:
        registered = row_cache.registered_tasks(todo[0]) if cache else frozenset(registered_tasks())
        jobs = [_Job(f, skip_foreign, direct, cache, registered) for f in todo]
        n_workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
        if n_workers > 1 and len(todo) >= 8:
            import multiprocessing

            from cc_evals.processes import start_method

            context = multiprocessing.get_context(start_method())
            with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
                outcomes = list(pool.map(_read_worker, jobs, chunksize=max(1, len(jobs) // 64)))
        else:
            outcomes = [_read_worker(job) for job in jobs]
    skipped: list[str] = []
    tools: list[str] = []
    for info, frame, path, tool in outcomes:
        if tool:
            tools.append(path)
        elif info is None or frame is None:
            skipped.append(path)
        else:
            read[path] = (info, frame)
    read = {f: read[f] for f in files if f in read}  # the order the logs were given
    self_reads = len(todo)
    kept, copies = drop_duplicates([info for info, _ in read.values()])
    duplicates += copies
    infos: list[LogInfo] = []
    frames: list[pd.DataFrame | pa.Table] = []
    empty: list[LogInfo] = []
    # the columns each log's rows share, repeated over its rows once the frames are joined
    shared: dict[str, list[Any]] = {c: [] for c in LOG_COLUMNS}
    for info in kept:
        frame = read[info.path][1]
        if info.samples == 0:
            empty.append(info)
            continue
        group, seed = seeds.resolve(info.model, info.metadata)
        seed_value = seed if seed is not None else -1
        values = (info.task, info.family, info.model, group, seed_value, info.condition)
        for column, value in zip(LOG_COLUMNS, values, strict=True):
            shared[column].append(value)
        infos.append(info)
        frames.append(frame)
    if not frames:
        why_none = [
            *(f"{p} (foreign)" for p in skipped),
            *(f"{i.path} ({incomplete(i)})" for i in empty),
            *(f"{p} (a tool's log, e.g. a judge check: not a measurement)" for p in tools),
        ]
        raise ValueError("no cc_evals log with samples to report: " + "; ".join(why_none[:5]))
    lengths = [len(f) for f in frames]
    table = _joined(frames)
    shared["log"] = [info.path for info in infos]
    for c, per_log in shared.items():
        table[c] = _repeated(per_log, lengths)
    for c in ("unit", "sample_id"):
        table[c] = table[c].astype("category")
    for c in ("item", "item_name", "cluster", "metric", "reason", "label"):
        table[c] = _str_categories(table[c])
    table["seed"] = table["seed"].astype("int64")
    table["epoch"] = table["epoch"].astype("int32")
    return Results(
        table=table[COLUMNS],
        logs=infos,
        skipped=skipped,
        not_logs=not_logs,
        empty=empty,
        duplicates=duplicates,
        read_logs=self_reads,
        tools=tools,
    )
