"""Logs on any fsspec store: a local folder, ``s3://bucket/prefix``, ``gs://...``, ...

A path whose URL scheme is not ``file`` is *remote*. For remote logs this module lists a folder
(one recursive listing, whose sizes and ETags it keeps), reads byte ranges (the direct ``.eval``
reader fetches the zip's central directory and two members, not the whole file), gives each log a
cheap version (size and ETag, else modification time) and a content digest that is computed once
per version, and says where a remote log's local caches live (:func:`cache_root`): the store may
be read-only or slow, so nothing is written beside remote logs.

Credentials and endpoints are the store's own (for S3: ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` for an S3-compatible store).
Every failure to reach a store is one :class:`StoreError` line naming the URL.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# where local caches of remote logs go (else $XDG_CACHE_HOME/cc_evals, else ~/.cache/cc_evals)
CACHE_ENV = "CC_EVALS_CACHE_DIR"
# stores whose first path component is a bucket/container that must exist before writing
BUCKET_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
_CHUNK = 8 << 20  # bytes per read when a whole remote file must be hashed


class StoreError(ValueError):
    """A store that cannot be used (unknown scheme, missing package, missing bucket, no access);
    the message is one line naming the URL."""


def is_remote(path: str) -> bool:
    """A URL with a scheme other than ``file`` (a one-letter scheme is a Windows drive)."""
    scheme = urlparse(str(path)).scheme
    return len(scheme) > 1 and scheme != "file"


@dataclass(frozen=True)
class Stat:
    """What identifies one version of a remote file: its size and ETag (else its mtime)."""

    size: int
    version: str


# stats of the files a listing returned, so keys need no request per log (filled in this process)
_listed: dict[str, Stat] = {}


def _one_line(ex: BaseException) -> str:
    text = " ".join(str(ex).split()) or type(ex).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def filesystem(url: str) -> Any:
    """Inspect's fsspec wrapper for ``url`` (the same options Inspect uses to write logs)."""
    from cc_evals._inspect import filesystem as inspect_filesystem

    try:
        return inspect_filesystem(url)
    except ImportError as ex:  # fsspec's message names the package, e.g. "Install s3fs ..."
        raise StoreError(f"{url}: {_one_line(ex)} (pip install it beside cc-evals)") from None
    except Exception as ex:  # noqa: BLE001 - "Protocol not known: ...", bad options
        raise StoreError(f"{url}: cannot open this store: {_one_line(ex)}") from None


def _stat_of(info: Any) -> Stat:
    """A Stat from Inspect's FileInfo (ETag where the store gives one, else mtime)."""
    version = info.etag or (f"mtime={info.mtime}" if info.mtime is not None else "")
    return Stat(int(info.size or 0), version)


def _bucket(fs: Any, url: str) -> str | None:
    """The bucket (container) URL of ``url`` on stores that have one, else None."""
    scheme = urlparse(url).scheme
    if scheme not in BUCKET_PROTOCOLS:
        return None
    bucket = str(fs.fs._strip_protocol(url)).split("/", 1)[0]
    return f"{scheme}://{bucket}" if bucket else None


def check_bucket(url: str) -> None:
    """A :class:`StoreError` unless ``url``'s store opens and its bucket exists (a typo in a
    bucket name must not create a new bucket, or fail deep inside a run)."""
    fs = filesystem(url)
    bucket = _bucket(fs, url)
    if bucket is None:
        return
    try:
        found = fs.exists(bucket)
    except Exception as ex:  # noqa: BLE001 - credentials, endpoint, network: say which URL
        raise StoreError(f"{url}: cannot reach the store: {_one_line(ex)}") from None
    if not found:
        raise StoreError(
            f"{url}: bucket {bucket} does not exist or these credentials cannot see it "
            "(create it first; credentials come from the standard AWS/GCP/Azure settings)"
        )


def list_files(url: str) -> list[str] | None:
    """Every file under the remote folder ``url`` (full URLs, sorted), or None when ``url`` is
    itself a file. Sizes and ETags are kept for :func:`stat`."""
    fs = filesystem(url)
    try:
        info = fs.info(url)
    except FileNotFoundError:
        check_bucket(url)
        raise FileNotFoundError(f"{url}: no such log file or directory") from None
    except Exception as ex:  # noqa: BLE001
        raise StoreError(f"{url}: cannot reach the store: {_one_line(ex)}") from None
    if info.type == "file":
        _listed[url] = _stat_of(info)
        return None
    try:
        infos = fs.ls(url, recursive=True, on_error="raise")
    except Exception as ex:  # noqa: BLE001
        raise StoreError(f"{url}: cannot list the folder: {_one_line(ex)}") from None
    files = []
    for found in infos:
        if found.type == "file":
            _listed[found.name] = _stat_of(found)
            files.append(found.name)
    return sorted(files)


def stat(url: str) -> Stat:
    """The remote file's size and version (from the last listing, else one request)."""
    known = _listed.get(url)
    if known is not None:
        return known
    try:
        found = _stat_of(filesystem(url).info(url))
    except StoreError:
        raise
    except Exception as ex:  # noqa: BLE001
        raise StoreError(f"{url}: cannot read: {_one_line(ex)}") from None
    _listed[url] = found
    return found


def size(path: str) -> int:
    return stat(path).size if is_remote(path) else os.path.getsize(path)


def read_range(path: str, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (exclusive) of a local or remote file: one ranged request."""
    if end <= start:
        return b""
    if not is_remote(path):
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(end - start)
    return bytes(filesystem(path).read_bytes(path, start, end))


def cache_root() -> Path:
    """Where local caches of remote logs live: ``$CC_EVALS_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/cc_evals``, else ``~/.cache/cc_evals``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cc_evals"


def url_digest(url: str) -> str:
    """A short stable name for a remote file's local cache entries."""
    return hashlib.sha256(url.encode()).hexdigest()[:20]


def content_digest(path: str) -> str:
    """sha256 of the file's bytes. For a remote file it is computed once per version (size and
    ETag or mtime) and kept under :func:`cache_root`, so a second report downloads nothing."""
    if not is_remote(path):
        local = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                local.update(chunk)
        return local.hexdigest()
    version = stat(path)
    where = cache_root() / "digests" / f"{url_digest(path)}.json"
    key = f"{version.size}:{version.version}"
    try:
        held = json.loads(where.read_text())
        if held.get("url") == path and held.get("key") == key:
            return str(held["sha256"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    digest = _download_digest(path)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = where.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"url": path, "key": key, "sha256": digest}))
        os.replace(tmp, where)
    except OSError:
        pass  # an unwritable cache costs a download next time, nothing else
    return digest


def _download_digest(url: str) -> str:
    """sha256 of a remote file, read in large chunks."""
    digest = hashlib.sha256()
    try:
        with filesystem(url).fs.open(url, "rb", block_size=_CHUNK) as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except StoreError:
        raise
    except Exception as ex:  # noqa: BLE001
        raise StoreError(f"{url}: cannot read: {_one_line(ex)}") from None
    return digest.hexdigest()
