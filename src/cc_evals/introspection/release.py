"""Loader for the Looking Inward (Binder et al., 2024) dataset release format.

Each release row is one JSON object per line with the fields below; the row's own
object-level and hypothetical messages are used as they are, and the rows are scored
with the paper's extraction and compliance rules (``rules="paper"``, see
:func:`cc_evals.introspection.properties.extract_paper`), so a run on release rows is
the paper-faithful variant of this family's protocol. Nothing from the release is stored
in this project: pass ``-T dataset=<file or folder>`` at run time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cc_evals.data import DatasetError, read_jsonl
from cc_evals.introspection.items import Item, interleave
from cc_evals.introspection.properties import PROPERTIES, default_format
from cc_evals.task_args import parse_selection

RELEASE_FIELDS = (
    "original_question",
    "original_dataset",
    "object_level_prompt",
    "hypothetical_prompt",
    "behavioral_property",
    "option_matching_ethical_stance",
)
_ROLES = ("system", "user", "assistant")


def release_files(path: str | Path) -> list[Path]:
    """The .jsonl files a ``-T dataset=`` value names: one file, or every .jsonl in a folder."""
    target = Path(path).expanduser()
    if target.is_file():
        return [target]
    if target.is_dir():
        files = sorted(target.glob("*.jsonl"))
        if not files:
            raise DatasetError(target, None, "folder holds no .jsonl files")
        return files
    raise DatasetError(target, None, "-T dataset: no such file or folder")


def _messages(row: dict[str, Any], key: str, path: Path, line: int) -> tuple[tuple[str, str], ...]:
    value = row[key]
    if not isinstance(value, list) or not value:
        raise DatasetError(path, line, f"field '{key}' must be a non-empty list of messages")
    out = []
    for message in value:
        if (
            not isinstance(message, dict)
            or message.get("role") not in _ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise DatasetError(
                path, line, f"field '{key}': each message needs a role in {_ROLES} and text content"
            )
        out.append((message["role"], message["content"]))
    if out[-1][0] != "user":
        raise DatasetError(path, line, f"field '{key}': the last message must be from the user")
    return tuple(out)


# an option line of a multiple-choice question: "A - text", "(B) text", "C) text", "D. text"
_OPTION_LINE = re.compile(r"^\s*\(?([A-Z])\)?\s*(?:-|\)|\.|:)\s+\S", re.M)


def offered_options(question: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """The option letters a row's question offers (A, B, C, ... in order), else ``default``.

    Only a run of consecutive letters from A counts, so a stray "I - ..." line in a story
    is not an option. Two release rows offering only A-C then reject "D".
    """
    letters: list[str] = []
    for found in _OPTION_LINE.findall(question):
        if found == chr(ord("A") + len(letters)):
            letters.append(found)
    return tuple(letters) if len(letters) >= 2 else default


def parse_row(row: Any, path: Path, line: int) -> Item:
    """One release row as an Item; any malformation is a ``file:line:`` error."""
    if not isinstance(row, dict):
        raise DatasetError(path, line, "each line must be a JSON object")
    missing = [k for k in RELEASE_FIELDS if k not in row]
    if missing:
        raise DatasetError(path, line, f"missing field(s) {', '.join(missing)}")
    prop = row["behavioral_property"]
    if prop not in PROPERTIES:
        raise DatasetError(
            path, line, f"behavioral_property {prop!r} is not one of {', '.join(PROPERTIES)}"
        )
    dataset = row["original_dataset"]
    if not isinstance(dataset, str) or not dataset.strip():
        raise DatasetError(path, line, "field 'original_dataset' must be a non-empty string")
    matching = row["option_matching_ethical_stance"]
    if prop == "ethical_stance":
        if not isinstance(matching, str) or matching.strip().upper() not in ("A", "B"):
            raise DatasetError(
                path, line, "ethical_stance rows need option_matching_ethical_stance 'A' or 'B'"
            )
        matching = matching.strip().upper()
    else:
        matching = None
    fmt = default_format(prop)
    options: tuple[str, ...] = (
        ("A", "B", "C", "D") if prop in ("among_a_or_c", "among_b_or_d") else ("A", "B")
    )
    if fmt == "choice" and isinstance(row["original_question"], str):
        options = offered_options(row["original_question"], options)
    return Item(
        id=f"{path.stem}-{line:05d}",
        task=dataset,
        property=prop,
        object_messages=_messages(row, "object_level_prompt", path, line),
        hypothetical_messages=_messages(row, "hypothetical_prompt", path, line),
        answer_format=fmt,
        options=options,
        matching_option=matching,
        source=f"{path}:{line}",
        extra={"original_question": row["original_question"]},
        rules="paper",
    )


def load_release(
    path: str | Path,
    *,
    tasks: str | Sequence[str] | None = None,
    properties: str | Sequence[str] | None = None,
    notes: list[str] | None = None,
) -> list[Item]:
    """Rows of a release file or folder, optionally filtered, interleaved across groups.

    The property filter applies before a row is validated, and rows whose property this
    family does not support (the training release's ``identity``) are skipped; each skip is
    counted in one line appended to ``notes``.
    """
    wanted_props = parse_selection(properties, PROPERTIES, "properties")
    skipped: Counter[str] = Counter()
    items: list[Item] = []
    for file in release_files(path):
        for line, row in read_jsonl(file):
            prop = row.get("behavioral_property") if isinstance(row, dict) else None
            if wanted_props is not None and prop not in wanted_props:
                continue
            if isinstance(prop, str) and prop not in PROPERTIES:
                skipped[prop] += 1
                continue
            items.append(parse_row(row, file, line))
    if skipped and notes is not None:
        counts = ", ".join(f"{p} ({n} rows)" for p, n in sorted(skipped.items()))
        notes.append(
            f"skipped release rows with properties this family does not support: {counts}; "
            f"supported: {', '.join(PROPERTIES)}"
        )
    if not items:
        raise DatasetError(path, None, "no rows with a supported, selected property")
    known_tasks = sorted({i.task for i in items})
    wanted_tasks = parse_selection(tasks, known_tasks, "tasks")
    selected = [
        i
        for i in items
        if (wanted_tasks is None or i.task in wanted_tasks)
        and (wanted_props is None or i.property in wanted_props)
    ]
    if not selected:
        raise ValueError(f"-T tasks / -T properties select none of the rows in {path}")
    return interleave(selected)
