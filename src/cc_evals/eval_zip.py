"""Read a finished ``.eval`` log's header and sample summaries straight from its zip.

Inspect's reader validates every summary into pydantic objects (and re-thins texts it thinned
when writing); the report needs a few fields of each. This reads the two members it needs,
``header.json`` and ``summaries.json`` (stored zstd- or deflate-compressed, see
``inspect_ai/log/_recorders/eval.py``), parses them with orjson (the standard library where the
JSON holds NaN, which orjson refuses) and keeps the same summaries Inspect would: the last row
per (id, epoch). Anything else (a JSON log, a log still running or killed, so without
``header.json``, an unknown compression or layout) returns None and the caller uses Inspect's
own reader; tests check that both give the same rows on every family. Every read is a byte
range (:func:`cc_evals.store.read_range`), so a log on S3 or any fsspec store is read with a few
ranged requests, not downloaded whole.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Inspect is imported only where its reader is used (a cached report never)
    from inspect_ai.log import EvalLog

from cc_evals import store

HEADER_JSON = "header.json"
SUMMARIES_JSON = "summaries.json"
_ZSTD = 93  # zip compression method id Inspect uses (Python's zipfile cannot read it)
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")  # zip local file header, 30 bytes
_CENTRAL = struct.Struct("<4s6H3I5H2I")  # central directory entry, 46 bytes, then the name
_EOCD = struct.Struct("<4s4H2IH")  # end of central directory record, 22 bytes
_EOCD_SEARCH = 65_536 + 22  # it ends the file, after a comment of at most 64 KiB
_TAIL = 16_384  # the first read from the end: the end record and, often, the central directory


@dataclass(frozen=True)
class Header:
    """The facts of a log header the analysis uses, from either reader."""

    task: str
    model: str
    status: str
    eval_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    registry_name: str | None = None
    packages: dict[str, str] = field(default_factory=dict)
    task_args: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def of(cls, log: EvalLog) -> Header:
        """From a log read by Inspect (header only is enough)."""
        spec = log.eval
        return cls(
            task=spec.task,
            model=spec.model,
            status=log.status,
            eval_id=spec.eval_id,
            metadata=dict(spec.metadata or {}),
            registry_name=spec.task_registry_name,
            packages=dict(spec.packages or {}),
            task_args=dict(spec.task_args or {}),
            error=log.error.message if log.error else None,
        )

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Header:
        """From the ``header.json`` member, parsed."""
        spec = data["eval"]
        error = data.get("error")
        return cls(
            task=str(spec["task"]),
            model=str(spec["model"]),
            status=str(data["status"]),
            eval_id=str(spec.get("eval_id", "")),
            metadata=dict(spec.get("metadata") or {}),
            registry_name=spec.get("task_registry_name"),
            packages=dict(spec.get("packages") or {}),
            task_args=dict(spec.get("task_args") or {}),
            error=str(error["message"]) if isinstance(error, dict) else None,
        )


@dataclass(frozen=True)
class Summary:
    """What the analysis reads of one sample summary (the fields of ``EvalSampleSummary``)."""

    id: int | str
    epoch: int
    metadata: dict[str, Any]
    scores: dict[str, ScoreData] | None
    error: str | None
    limit: str | None


class EvalZip:
    """One ``.eval`` file opened for reading single members (None when the layout is unknown)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.members: dict[str, tuple[int, int, int, int]] = {}  # name -> method, sizes, offset
        # ranged reads (cc_evals.store), so a log on S3 is not downloaded whole: the tail holds
        # the end record and, for most logs, the whole central directory
        size = store.size(path)
        tail_start = max(0, size - _TAIL)
        tail = store.read_range(path, tail_start, size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 and tail_start > 0:  # a zip comment longer than the first read
            tail_start = max(0, size - _EOCD_SEARCH)
            tail = store.read_range(path, tail_start, size)
            at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise zipfile.BadZipFile("no end of central directory")
        *_, cd_size, cd_offset, _comment = _EOCD.unpack_from(tail, at)
        if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            raise zipfile.BadZipFile("zip64: left to zipfile")
        if cd_offset >= tail_start:
            self._directory = tail[cd_offset - tail_start : cd_offset - tail_start + cd_size]
        else:
            self._directory = store.read_range(path, cd_offset, cd_offset + cd_size)

    def _entry(self, name: str) -> tuple[int, int, int, int, int] | None:
        """(method, compressed size, size, local header offset, name + extra length) from the
        central directory; the members read here (header, summaries) are few, so each is found
        by its name."""
        wanted = name.encode()
        cd = self._directory
        start = 0
        found = None
        while (at := cd.find(wanted, start)) >= 0:
            start = at + 1
            entry = at - _CENTRAL.size
            if entry < 0 or cd[entry : entry + 4] != b"PK\x01\x02":
                continue
            fields = _CENTRAL.unpack_from(cd, entry)
            if fields[10] != len(wanted):  # the name's length: a prefix match is not it
                continue
            # the last entry wins; the name's and extra field's lengths size the local header
            found = (fields[4], fields[8], fields[9], fields[16], fields[10] + fields[11])
        return found

    def read(self, name: str) -> bytes | None:
        entry = self._entry(name)
        if entry is None:
            return None
        method, compressed, size, offset, named = entry
        if 0xFFFFFFFF in (compressed, size, offset):
            return None  # zip64 member
        # one read for the local header and the data (its extra field is usually the central's)
        blob = store.read_range(self.path, offset, offset + _LOCAL_HEADER.size + named + compressed)
        if len(blob) < _LOCAL_HEADER.size:
            return None
        local = _LOCAL_HEADER.unpack_from(blob)
        if local[0] != b"PK\x03\x04":
            return None
        start = _LOCAL_HEADER.size + local[-2] + local[-1]
        raw = blob[start : start + compressed]
        if len(raw) < compressed:
            raw = store.read_range(self.path, offset + start, offset + start + compressed)
        if method == _ZSTD:
            import zstandard

            return zstandard.ZstdDecompressor().decompress(raw, max_output_size=size)
        if method == zipfile.ZIP_DEFLATED:
            return zlib.decompress(raw, -15)
        if method == zipfile.ZIP_STORED:
            return raw
        return None


def loads(data: bytes) -> Any:
    """orjson, or the standard library for JSON with NaN / Infinity (which Inspect writes)."""
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def read_header(log: EvalZip) -> Header | None:
    """The finished log's header, or None (no header.json: running or killed; or unreadable)."""
    data = log.read(HEADER_JSON)
    if data is None:
        return None
    parsed = loads(data)
    if not isinstance(parsed, dict) or parsed.get("status") == "started":
        return None
    return Header.parse(parsed)


@dataclass(frozen=True, slots=True)
class ScoreData:
    """A score of a summary as stored (Inspect validated and thinned it when writing)."""

    value: Any
    answer: str | None = None
    explanation: str | None = None
    reason: Any = None
    metadata: dict[str, Any] | None = None


def _score(data: dict[str, Any]) -> ScoreData:
    return ScoreData(
        value=data.get("value"),
        answer=data.get("answer"),
        explanation=data.get("explanation"),
        reason=data.get("reason"),
        metadata=data.get("metadata"),
    )


def read_summaries(log: EvalZip) -> list[Summary] | None:
    """Every sample summary (last row per id and epoch, as Inspect keeps), or None."""
    data = log.read(SUMMARIES_JSON)
    if data is None:
        return None
    rows = loads(data)
    if not isinstance(rows, list):
        return None
    by_key: dict[tuple[str, int], Summary] = {}
    for row in rows:
        scores = row.get("scores")
        summary = Summary(
            id=row["id"],
            epoch=int(row["epoch"]),
            metadata=row.get("metadata") or {},
            scores=None if scores is None else {k: _score(v) for k, v in scores.items()},
            error=row.get("error"),
            limit=row.get("limit"),
        )
        by_key[(str(summary.id), summary.epoch)] = summary
    return list(by_key.values())


def open_eval(path: str) -> EvalZip | None:
    """The log as a zip to read members from, or None for a JSON log or a non-zip file."""
    if not path.endswith(".eval"):
        return None
    try:
        return EvalZip(path)
    except (OSError, zipfile.BadZipFile, store.StoreError):
        return None
