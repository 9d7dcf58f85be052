"""Load and validate preference dimensions: shipped files and ``-T prompts=<file>`` sets.

Shipped dimensions live in datasets/preferences/<id>.yaml (full definition, at least
``min_prompts`` prompts, each with register, framing and polarity). A prompt file is any prompt
set a user brings (YAML list or JSONL, schema in src/cc_evals/preferences/README.md): each row
names a shipped dimension, whose definition then judges it, or a new dimension defined by one
``criterion`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import Any

from cc_evals import data
from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require
from cc_evals.paths import datasets_dir
from cc_evals.rubrics import rubric_meta
from cc_evals.task_args import parse_selection


@dataclass(frozen=True)
class Prompt:
    id: int | str
    text: str
    register: str | None
    framing: str | None
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
    mild_forms: str  # the weaker forms that count under the lenient criterion
    prompts: tuple[Prompt, ...]
    path: str

    def sample_id(self, prompt: Prompt) -> str:
        if isinstance(prompt.id, int):
            return f"{self.id}-{prompt.id:02d}"
        return prompt.id if prompt.id.startswith(f"{self.id}-") else f"{self.id}-{prompt.id}"


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
        mild_forms=" ".join(require(raw, "mild_forms", str, path).split()),
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


def criteria() -> dict[str, dict[str, str]]:
    """The judge criteria (``-T criterion=``), from the rubric's front matter."""
    return dict(rubric_meta(family_spec()["rubric"])["criteria"])


def resolve_criterion(criterion: str | None) -> str:
    name = family_spec()["judge"]["criterion"] if criterion is None else str(criterion).strip()
    known = criteria()
    if name not in known:
        raise ValueError(f"-T criterion: unknown {name!r}; choose from {', '.join(known)}")
    return name


# ---- -T prompts=<file> -------------------------------------------------------------------

PROMPT_FILE_FIELDS = ("id", "text", "dimension", "criterion", "name", "polarity", "judge_note")


def load_prompt_file(path: str | Path) -> list[Dimension]:
    """Read a prompt set (YAML list or JSONL) into dimensions, in first-appearance order.

    Rows naming a shipped dimension are judged with its definition (only the file's prompts are
    asked, so no prompt minimum applies); a row with ``criterion`` defines a new dimension, and
    every row of that dimension that repeats ``criterion`` must repeat it exactly.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DatasetError(path, None, "prompts file not found (-T prompts=)")
    rows = _read_rows(path)
    if not rows:
        raise DatasetError(path, None, "no prompts in the file")
    shipped = set(dimension_ids())
    spec = family_spec()
    by_dim: dict[str, list[Prompt]] = {}
    new_dims: dict[str, tuple[str, str | None, int]] = {}  # id -> (criterion, name, line)
    seen_ids: set[str] = set()
    for line, row in rows:
        unknown = sorted(set(row) - set(PROMPT_FILE_FIELDS) - {LINE_KEY})
        if unknown:
            raise DatasetError(
                path,
                line,
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(PROMPT_FILE_FIELDS)}",
            )
        pid = row.get("id")
        if not isinstance(pid, str | int) or isinstance(pid, bool) or not str(pid).strip():
            raise DatasetError(path, line, "field 'id' must be a non-empty string or integer")
        pid = str(pid).strip()
        if pid in seen_ids:
            raise DatasetError(path, line, f"duplicate prompt id {pid!r}")
        seen_ids.add(pid)
        text = _text_field(row, "text", path, line)
        did = _text_field(row, "dimension", path, line)
        criterion = row.get("criterion")
        if criterion is not None:
            criterion = " ".join(_text_field(row, "criterion", path, line).split())
            if did in shipped:
                raise DatasetError(
                    path,
                    line,
                    f"dimension {did!r} is shipped with its own definition; drop 'criterion' "
                    "to use it, or give the new dimension another id",
                )
            if did in new_dims and new_dims[did][0] != criterion:
                raise DatasetError(
                    path,
                    line,
                    f"dimension {did!r} has a different criterion at line {new_dims[did][2]}",
                )
            name = row.get("name")
            new_dims.setdefault(did, (criterion, str(name) if name else None, line))
        elif did not in shipped and did not in new_dims:
            raise DatasetError(
                path,
                line,
                f"dimension {did!r} is not shipped; define it with a one-line 'criterion' "
                f"(shipped: {', '.join(sorted(shipped))})",
            )
        polarity = row.get("polarity", "forward")
        if polarity not in spec["polarities"]:
            raise DatasetError(
                path, line, f"polarity {polarity!r} must be one of {', '.join(spec['polarities'])}"
            )
        note = row.get("judge_note")
        if note is not None and not (isinstance(note, str) and note.strip()):
            raise DatasetError(path, line, "field 'judge_note' must be a non-empty string")
        if polarity == "reversed" and note is None:
            raise DatasetError(
                path, line, "a reversed prompt needs a judge_note saying what counts"
            )
        by_dim.setdefault(did, []).append(
            Prompt(
                id=pid,
                text=text.strip(),
                register=None,
                framing=None,
                polarity=str(polarity),
                judge_note=" ".join(note.split()) if isinstance(note, str) else None,
            )
        )
    wording = rubric_meta(spec["rubric"])["file_dimension"]
    out: list[Dimension] = []
    for did, prompts in by_dim.items():
        if did in new_dims:
            criterion, name, _ = new_dims[did]
            out.append(
                Dimension(
                    id=did,
                    name=name or did,
                    cluster="prompt_file",
                    description=criterion,
                    expresses=" ".join(str(wording["expresses"]).split()),
                    does_not_express=" ".join(str(wording["does_not_express"]).split()),
                    mild_forms=" ".join(str(wording["mild_forms"]).split()),
                    prompts=tuple(prompts),
                    path=str(path),
                )
            )
        else:
            out.append(replace(load_dimension(did), prompts=tuple(prompts), path=str(path)))
    return out


def _text_field(row: dict[str, Any], key: str, path: Path, line: int) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(path, line, f"field '{key}' must be a non-empty string")
    return value


def _read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) pairs from a ``.jsonl`` file (one object per line) or a YAML list."""
    if path.suffix.lower() == ".jsonl":
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, row in data.read_jsonl(path):
            if not isinstance(row, dict):
                raise DatasetError(path, number, "each line must be a JSON object")
            rows.append((number, row))
        return rows
    raw_yaml = load_yaml(path)
    if not isinstance(raw_yaml, list):
        raise DatasetError(path, 1, "expected a YAML list of prompts (or a .jsonl file)")
    out: list[tuple[int, dict[str, Any]]] = []
    for entry in raw_yaml:
        if not isinstance(entry, dict):
            raise DatasetError(path, None, "each prompt must be a mapping")
        out.append((int(entry[LINE_KEY]), entry))
    return out


def select_dimensions(dimensions: str | list[str] | None, prompts: str | None) -> list[Dimension]:
    """The run's dimensions: shipped ones (``-T dimensions=``) or a prompt file's, filtered."""
    if not prompts:
        return resolve_dimensions(dimensions)
    dims = load_prompt_file(prompts)
    ids = parse_selection(dimensions, [d.id for d in dims], "dimensions")
    return dims if ids is None else [d for d in dims if d.id in ids]
