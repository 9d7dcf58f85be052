"""Read a finished ``.eval`` log's header and sample summaries straight from its zip.

Inspect's reader validates every summary into pydantic objects (and re-thins texts it thinned
when writing); the report needs a few fields of each. This reads the two members it needs,
``header.json`` and ``summaries.json`` (stored zstd- or deflate-compressed, see
``inspect_ai/log/_recorders/eval.py``), parses them with orjson (the standard library where the
JSON holds NaN, which orjson refuses) and keeps the same summaries Inspect would: the last row
per (id, epoch). Anything else (a JSON log, a log still running or killed, so without
``header.json``, an unknown compression or layout) returns None and the caller uses Inspect's
own reader; tests check that both give the same rows on every family.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.log import EvalLog

HEADER_JSON = "header.json"
SUMMARIES_JSON = "summaries.json"
_ZSTD = 93  # zip compression method id Inspect uses (Python's zipfile cannot read it)
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")  # zip local file header, 30 bytes


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
        with zipfile.ZipFile(path) as z:
            self.members = {i.filename: i for i in z.infolist()}

    def read(self, name: str) -> bytes | None:
        info = self.members.get(name)
        if info is None:
            return None
        with open(self.path, "rb") as f:
            f.seek(info.header_offset)
            local = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
            if local[0] != b"PK\x03\x04":
                return None
            f.seek(info.header_offset + _LOCAL_HEADER.size + local[-2] + local[-1])
            raw = f.read(info.compress_size)
        if info.compress_type == _ZSTD:
            import zstandard

            return zstandard.ZstdDecompressor().decompress(raw, max_output_size=info.file_size)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            return zlib.decompress(raw, -15)
        if info.compress_type == zipfile.ZIP_STORED:
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
    except (OSError, zipfile.BadZipFile):
        return None
