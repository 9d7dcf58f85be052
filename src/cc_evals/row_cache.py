"""A per-log cache of tidy rows, so re-reporting after one new log reads one log.

Each log's rows (the per-sample columns of :data:`cc_evals.results.SAMPLE_COLUMNS`) and its
header facts are kept as one Parquet file in ``.cc_evals_cache/`` beside the log, named after
the log and keyed by its size and modification time (nanoseconds) and by the reading code's
version: a log rewritten or resumed, or a new version of this package, misses the cache and
is read again. A cache that cannot be written (a read-only log folder) is skipped silently.
A remote log's rows (``s3://...``, :mod:`cc_evals.store`) are cached locally instead, under
``cc_evals.store.cache_root()/rows``, keyed by the log's URL, size and ETag (else mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cc_evals import store as log_store

if TYPE_CHECKING:
    import pyarrow as pa

    from cc_evals.results import LogInfo

CACHE_DIR = ".cc_evals_cache"
# bump when the rows a log gives change (reading, adapters, scales)
ROW_VERSION = "1"


def _version() -> str:
    from cc_evals import __version__

    return f"{__version__}/{ROW_VERSION}"


def cache_path(log: str) -> Path:
    if log_store.is_remote(log):  # the store may be read-only or slow: a local cache
        return log_store.cache_root() / "rows" / f"{log_store.url_digest(log)}.parquet"
    path = Path(log)
    digest = hashlib.sha1(path.name.encode()).hexdigest()[:12]
    return path.parent / CACHE_DIR / f"{path.stem}.{digest}.parquet"


def _key(log: str) -> str | None:
    if log_store.is_remote(log):  # size and ETag (else mtime) from the listing: no request
        try:
            remote = log_store.stat(log)
        except log_store.StoreError:
            return None
        return f"{remote.size}:{remote.version}:{_version()}"
    try:
        st = os.stat(log)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{_version()}"


def load_arrow(log: str) -> tuple[LogInfo, pa.Table] | None:
    """The cached header facts and rows (an Arrow table, without the ``log`` column) of
    ``log``, or None when absent or stale."""
    from cc_evals.results import LogInfo

    key = _key(log)
    path = cache_path(log)
    if key is None or not path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        if meta.get(b"cc_evals_key", b"").decode() != key:
            return None
        info_fields: dict[str, Any] = json.loads(meta[b"cc_evals_info"])
        info_fields["path"] = log
        return LogInfo(**info_fields), table
    except Exception:  # noqa: BLE001 - a damaged cache entry is a miss, never an error
        return None


def load(log: str) -> tuple[LogInfo, pd.DataFrame] | None:
    """The cached header facts and rows of ``log``, or None when absent or stale."""
    hit = load_arrow(log)
    if hit is None:
        return None
    info, table = hit
    frame = table.to_pandas()
    frame["log"] = log
    return info, frame


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A log's rows as the cache keeps them (the ``log`` column dropped)."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame.drop(columns=["log"]), preserve_index=False)


def store(log: str, info: LogInfo, frame: pd.DataFrame, key: str | None = None) -> None:
    """Keep ``log``'s rows; ``key`` is the log's key taken before it was read."""
    key = key or _key(log)
    if key is None:
        return
    try:
        import pyarrow.parquet as pq

        path = cache_path(log)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = to_arrow(frame)
        fields = asdict(info)
        fields.pop("path")
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                b"cc_evals_key": key.encode(),
                b"cc_evals_info": json.dumps(fields, default=str).encode(),
            }
        )
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except OSError:
        return


def key_of(log: str) -> str | None:
    return _key(log)


def stored_key(log: str) -> str | None:
    """The key ``log``'s cached rows were stored under (None without an entry): equal to
    :func:`key_of` only when the rows are those of the log as it is now."""
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(cache_path(log)).metadata or {}
        return str(meta[b"cc_evals_key"].decode())
    except Exception:  # noqa: BLE001 - no entry, or a damaged one
        return None


REGISTRY_FILE = "registered_tasks.json"


def _code_signature() -> str:
    """Size and modification time of every file of the package and its data folders (the task
    registry derives from them): any edit, install or upgrade changes it."""
    from cc_evals.paths import _PACKAGE_DIR, data_root

    roots = [_PACKAGE_DIR]
    try:
        root = data_root()
        roots += [root / "datasets", root / "scorers", root / "tasks"]
    except FileNotFoundError:
        pass
    h = hashlib.sha1(_version().encode())
    for top in roots:
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                h.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def registered_tasks(log: str) -> frozenset[str]:
    """:func:`cc_evals.families.registered_tasks`, kept in the cache folder beside ``log``
    keyed by :func:`_code_signature`: listing the tasks imports every task module (and
    Inspect), seconds that a report which reads one new log need not spend."""
    from cc_evals.families import registered_tasks as compute

    path = cache_path(log).parent / REGISTRY_FILE
    signature = _code_signature()
    try:
        held = json.loads(path.read_text())
        if held.get("signature") == signature:
            return frozenset(str(t) for t in held["tasks"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    found = frozenset(compute())
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"signature": signature, "tasks": sorted(found)}))
        os.replace(tmp, path)
    except OSError:
        pass
    return found
