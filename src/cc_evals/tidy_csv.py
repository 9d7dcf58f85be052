"""``tidy.csv`` from per-log chunks, so re-reporting after one new log renders one log's rows.

``pandas.DataFrame.to_csv`` formats every value on its own (no column-wide widths), so the file
is the header followed by each log's rows rendered alone, byte for byte (a test asserts it). The
report's table holds each log's rows as one run, in the order the logs were read; each run's
rendering is kept beside the log's cached rows (:mod:`cc_evals.row_cache`), keyed by the log's
cache key, the columns the report adds (path, task, family, model, group, seed, condition), the
table's columns and dtypes and the pandas version (see :func:`_key`). A table whose logs' rows
are not one run each is rendered whole.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cc_evals import row_cache

# the columns a log's rows share, set by the report (not by the cached rows)
PER_LOG = ("log", "task", "family", "model", "group", "seed", "condition")
SUFFIX = ".tidy.csv"


def _chunk_path(log: str) -> Path:
    return row_cache.cache_path(log).with_suffix(SUFFIX)


def _key(log: str, table: pd.DataFrame, first: int, end: int) -> str | None:
    """What a log's chunk depends on. Its rows are the log's cached rows in the order
    :func:`cc_evals.results.load_results` gives them (the cache key stands for them); their
    count and first and last rows are checked too, so a table in another order is rendered
    again rather than served the wrong chunk."""
    base = row_cache.key_of(log)
    if base is None or row_cache.stored_key(log) != base:
        return None  # the rows are not (or no longer) the log's cached rows: no chunk
    shared = [str(table[c].iloc[first]) for c in PER_LOG if c in table.columns]
    layout = [f"{c}:{t}" for c, t in table.dtypes.items()]
    ends = [repr(tuple(table.iloc[i])) for i in (first, end - 1)]
    text = "\x00".join([base, str(end - first), *shared, *layout, *ends, pd.__version__])
    return hashlib.sha1(text.encode()).hexdigest()


def _load(log: str, key: str) -> bytes | None:
    try:
        data = _chunk_path(log).read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    return body if head == key.encode() else None


def _store(log: str, key: str, body: bytes) -> None:
    path = _chunk_path(log)
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(key.encode() + b"\n" + body)
        os.replace(tmp, path)
    except OSError:
        return


def _runs(table: pd.DataFrame) -> list[tuple[str, int, int]] | None:
    """(log, first row, end) of each log's run of rows, or None when a log's rows are split."""
    if "log" not in table.columns or not isinstance(table["log"].dtype, pd.CategoricalDtype):
        return None
    codes = table["log"].cat.codes.to_numpy()
    if codes.size == 0 or (codes < 0).any():
        return None
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if np.unique(codes).size != starts.size:
        return None
    ends = np.r_[starts[1:], codes.size]
    names = table["log"].cat.categories
    return [(str(names[codes[s]]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def write_tidy(table: pd.DataFrame, path: Path, *, cache: bool) -> None:
    """Write ``table`` as ``table.to_csv(path, index=False)`` would; with ``cache``, from the
    per-log chunks kept beside the logs (rendering and keeping the missing ones)."""
    runs = _runs(table) if cache else None
    if runs is None:
        table.to_csv(path, index=False)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(table.iloc[:0].to_csv(index=False).encode())
        for log, first, end in runs:
            key = _key(log, table, first, end)
            body = _load(log, key) if key is not None else None
            if body is None:
                body = table.iloc[first:end].to_csv(index=False, header=False).encode()
                if key is not None:
                    _store(log, key, body)
            f.write(body)
    os.replace(tmp, path)
