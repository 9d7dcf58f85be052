"""Load and validate preference dimensions from datasets/preferences/<id>.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from cc_evals import data
from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require
from cc_evals.paths import datasets_dir
from cc_evals.task_args import parse_selection


@dataclass(frozen=True)
class Prompt:
    id: int
    text: str
    register: str
    framing: str
    polarity: str
    judge_note: str | None


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    cluster: str
    description: str
    expresses: str
    does_not_express: str
    prompts: tuple[Prompt, ...]
    path: str

    def sample_id(self, prompt: Prompt) -> str:
        return f"{self.id}-{prompt.id:02d}"


# tasks/preferences.yaml (results.py's preferences adapter reads the cluster order through it)
family_spec = partial(data.family_spec, "preferences")


def dimensions_dir() -> Path:
    return datasets_dir() / str(family_spec()["dataset_dir"])


def dimension_ids() -> list[str]:
    """Dimension ids from file names alone (cheap: used by the registry at import time)."""
    return sorted(p.stem for p in dimensions_dir().glob("*.yaml"))


@cache
def load_dimension(dimension_id: str) -> Dimension:
    path = dimensions_dir() / f"{dimension_id}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown dimension {dimension_id!r}; known: {', '.join(dimension_ids())}")
    return parse_dimension(path)


def parse_dimension(path: Path) -> Dimension:
    spec = family_spec()
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected a mapping with id, name, cluster, ..., prompts")
    did = require(raw, "id", str, path)
    if did != path.stem:
        raise DatasetError(
            path, raw[LINE_KEY], f"id {did!r} must equal the file name {path.stem!r}"
        )
    cluster = require(raw, "cluster", str, path)
    if cluster not in spec["clusters"]:
        allowed = ", ".join(spec["clusters"])
        raise DatasetError(path, raw[LINE_KEY], f"unknown cluster {cluster!r}; one of {allowed}")
    rows = require(raw, "prompts", list, path)
    prompts: list[Prompt] = []
    seen_ids: set[int] = set()
    seen_texts: set[str] = set()
    for row in rows:
        if not isinstance(row, dict):
            raise DatasetError(path, raw[LINE_KEY], "each prompt must be a mapping")
        prompts.append(_parse_prompt(row, path, spec, seen_ids, seen_texts))
    if len(prompts) < spec["min_prompts"]:
        raise DatasetError(
            path, raw[LINE_KEY], f"{len(prompts)} prompts; at least {spec['min_prompts']} required"
        )
    return Dimension(
        id=did,
        name=require(raw, "name", str, path),
        cluster=cluster,
        description=" ".join(require(raw, "description", str, path).split()),
        expresses=" ".join(require(raw, "expresses", str, path).split()),
        does_not_express=" ".join(require(raw, "does_not_express", str, path).split()),
        prompts=tuple(prompts),
        path=str(path),
    )


def _parse_prompt(
    row: dict[str, Any],
    path: Path,
    spec: dict[str, Any],
    seen_ids: set[int],
    seen_texts: set[str],
) -> Prompt:
    line = row[LINE_KEY]
    pid = require(row, "id", int, path)
    if pid in seen_ids:
        raise DatasetError(path, line, f"duplicate prompt id {pid}")
    if not 1 <= pid <= 99:
        raise DatasetError(path, line, f"prompt id {pid} must be in 1..99")
    text = require(row, "text", str, path).strip()
    if text in seen_texts:
        raise DatasetError(path, line, "duplicate prompt text")
    values = {}
    for key, allowed in (
        ("register", spec["registers"]),
        ("framing", spec["framings"]),
        ("polarity", spec["polarities"]),
    ):
        value = require(row, key, str, path)
        if value not in allowed:
            raise DatasetError(path, line, f"{key} {value!r} must be one of {', '.join(allowed)}")
        values[key] = value
    note = row.get("judge_note")
    if values["polarity"] == "reversed" and not (isinstance(note, str) and note.strip()):
        raise DatasetError(path, line, "a reversed prompt needs a judge_note saying what counts")
    unknown = set(row) - {LINE_KEY, "id", "text", "register", "framing", "polarity", "judge_note"}
    if unknown:
        raise DatasetError(path, line, f"unknown field(s): {', '.join(sorted(unknown))}")
    seen_ids.add(pid)
    seen_texts.add(text)
    return Prompt(
        id=pid,
        text=text,
        register=values["register"],
        framing=values["framing"],
        polarity=values["polarity"],
        judge_note=" ".join(note.split()) if isinstance(note, str) else None,
    )


def resolve_dimensions(dimensions: str | list[str] | None) -> list[Dimension]:
    """Parse ``-T dimensions=a,b`` (or a list); None or "all" means every dimension."""
    known = dimension_ids()
    ids = parse_selection(dimensions, known, "dimensions")
    return [load_dimension(d) for d in ids or known]
