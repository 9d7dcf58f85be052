"""Reading the suite's data files with errors that name the file and line.

Every family reads its questions, rubrics and specs through here, so a malformed row
fails at load time as ``path:line: what is wrong`` rather than deep inside a run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cc_evals.paths import tasks_dir

LINE_KEY = "__line__"


class DatasetError(ValueError):
    """A data file is missing or malformed; the message starts with ``file:line:``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        location = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{location}: {message}")


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's 1-based source line under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text(path: str | Path) -> str:
    """A data or input file's text (UTF-8); every failure is one line naming the file."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(path, None, "file not found") from None
    except UnicodeDecodeError as ex:
        raise DatasetError(
            path, None, f"not UTF-8 text (byte {ex.object[ex.start]:#04x} at offset {ex.start})"
        ) from None
    except OSError as ex:
        raise DatasetError(path, None, f"cannot read: {ex.strerror or ex}") from None


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; mappings carry their source line in ``__line__``."""
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: str | Path, line_offset: int = 0) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as ex:
        line = ex.problem_mark.line + 1 + line_offset if ex.problem_mark else None
        raise DatasetError(path, line, f"invalid YAML: {ex.problem}") from None
    except yaml.YAMLError as ex:
        raise DatasetError(path, None, f"invalid YAML: {ex}") from None


def strip_lines(value: Any) -> Any:
    """Return a copy of parsed YAML without the ``__line__`` bookkeeping keys."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


@dataclass(frozen=True)
class MarkdownFile:
    """A markdown file split into front matter and body, with the source lines to cite."""

    meta: dict[str, Any]
    body: str  # stripped of surrounding blank lines, ending in one newline
    body_line: int  # 1-based line of the body's first character
    key_lines: dict[str, int]  # top-level front-matter key -> its 1-based line


def read_markdown(path: str | Path) -> MarkdownFile:
    """Split a markdown file into its YAML front matter (between ``---`` lines) and body."""
    path = Path(path)
    lines = read_text(path).splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise DatasetError(path, 1, "expected YAML front matter starting with '---'")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = parse_yaml("".join(lines[1:i]), path, line_offset=1) or {}
            if not isinstance(meta, dict):
                raise DatasetError(path, 2, "front matter must be a mapping")
            rest = "".join(lines[i + 1 :])
            body = rest.strip()
            skipped = rest[: len(rest) - len(rest.lstrip())].count("\n")
            key_lines: dict[str, int] = {}
            for n in range(1, i):
                key = re.match(r"([A-Za-z_][\w-]*)\s*:", lines[n])
                if key:
                    key_lines.setdefault(key.group(1), n + 1)
            return MarkdownFile(strip_lines(meta), body + "\n", i + 2 + skipped, key_lines)
    raise DatasetError(path, 1, "front matter is not closed by a '---' line")


def load_markdown(path: str | Path) -> tuple[dict[str, Any], str]:
    """Split a markdown file into its YAML front matter (between ``---`` lines) and body."""
    doc = read_markdown(path)
    return doc.meta, doc.body


def require(row: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str | Path) -> Any:
    """Fetch ``row[key]`` and check its type, raising a DatasetError at the row's line."""
    line = row.get(LINE_KEY)
    if key not in row or row[key] is None:
        raise DatasetError(path, line, f"missing required field '{key}'")
    value = row[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        expected = " or ".join(t.__name__ for t in _as_tuple(kind))
        raise DatasetError(
            path, line, f"field '{key}' must be {expected}, got {type(value).__name__}"
        )
    if isinstance(value, str) and not value.strip():
        raise DatasetError(path, line, f"field '{key}' is empty")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


@cache
def family_spec(family: str) -> dict[str, Any]:
    """``tasks/<family>.yaml``: where a family's data lives and its defaults (one loader)."""
    return dict(strip_lines(load_yaml(tasks_dir() / f"{family}.yaml")))


def read_jsonl(path: str | Path) -> list[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank line of a JSON-lines file; a line that is
    not JSON is a ``file:line:`` error (UTF-8 is checked by :func:`read_text`)."""
    rows: list[tuple[int, Any]] = []
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            rows.append((number, json.loads(raw)))
        except json.JSONDecodeError as ex:
            raise DatasetError(path, number, f"invalid JSON: {ex.msg}") from None
    return rows


def interleave[T](items: Sequence[T], group: Callable[[T], Hashable]) -> list[T]:
    """Round-robin over the groups ``group(item)`` names, so ``--limit N`` samples every group.

    Every family orders its dataset with this (groups: dimensions, claims, entries, documents,
    seeds, task x property). Group order (first appearance) and the order within a group are
    kept; only the groups are woven together: the first item of each group, then the second...
    """
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(group(item), []).append(item)
    woven: list[T] = []
    depth = max((len(g) for g in groups.values()), default=0)
    for index in range(depth):
        woven.extend(g[index] for g in groups.values() if index < len(g))
    return woven
