"""The EM family's questions as plain records, from either source.

Two sources feed the same task: the suite's own probe set (datasets/emergent_misalignment,
every probe asked in the paper's three formats) and any file in the published EM schema
(``-T questions=<path>``, read by :mod:`loader`). Both become :class:`EMItem` lists so the
task builds Inspect samples one way.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from pathlib import Path

from cc_evals.data import DatasetError, family_spec, load_yaml, require
from cc_evals.emergent_misalignment.loader import EMQuestion, load_em_questions
from cc_evals.paths import datasets_dir, tasks_dir
from cc_evals.task_args import parse_selection

FORMATS = ("plain", "json", "template")


@dataclass(frozen=True)
class EMItem:
    """One sample to ask: the user message, an optional system prompt, and how to judge it."""

    sample_id: str
    question_id: str
    format: str
    user: str
    system: str | None
    judge_set: str  # key into the task's judge-prompt sets ("default" = the suite's rubrics)
    judge_kind: str  # "score" (0-100) or "label"
    theme: str | None = None
    paraphrase_index: int = 0


@dataclass(frozen=True)
class EMSource:
    """Items plus what the task needs to run them faithfully."""

    items: list[EMItem]
    epochs: int
    judge_prompts: dict[str, dict[str, str]]  # judge_set -> score name -> prompt; {} = rubrics
    score_names: list[str]
    origin: str
    file_judge: str | None = None


def default_source(formats: list[str] | None = None) -> EMSource:
    """The suite's probe set, each probe in the requested formats (default: the YAML's)."""
    spec = family_spec("emergent_misalignment")
    path = datasets_dir() / spec["probes"]
    raw = load_yaml(path)
    if not isinstance(raw, dict) or "probes" not in raw or "formats" not in raw:
        raise DatasetError(path, 1, "expected top-level keys 'formats' and 'probes'")
    fmt = raw["formats"]
    json_system = require(fmt, "json_system", str, path).strip()
    template_prompt = require(fmt, "template_prompt", str, path)
    probes = raw["probes"]
    if not isinstance(probes, list):
        raise DatasetError(path, raw.get("__line__"), "'probes' must be a list")
    if len(probes) < int(spec["min_probes"]):
        raise DatasetError(
            path, None, f"only {len(probes)} probes; the family needs {spec['min_probes']}"
        )
    chosen = default_formats() if formats is None else formats

    items: list[EMItem] = []
    seen: set[str] = set()
    for number, probe in enumerate(probes):
        if not isinstance(probe, dict):
            raise DatasetError(path, None, "every probe must be a mapping")
        pid = require(probe, "id", str, path)
        if pid in seen:
            raise DatasetError(path, probe.get("__line__"), f"duplicate probe id '{pid}'")
        seen.add(pid)
        question = require(probe, "question", str, path).strip()
        template = require(probe, "template", str, path).rstrip()
        theme = require(probe, "theme", str, path)
        users = {
            "plain": (question, None),
            "json": (question, json_system),
            "template": (template_prompt.format(question=question, template=template), None),
        }
        # each probe starts one format further on, so that the task's interleaving by probe
        # (``--limit N``) reaches every format as well as every probe
        shift = number % len(chosen)
        for name in chosen[shift:] + chosen[:shift]:
            user, system = users[name]
            items.append(
                EMItem(
                    sample_id=f"{pid}_{name}",
                    question_id=pid,
                    format=name,
                    user=user,
                    system=system,
                    judge_set="default",
                    judge_kind="score",
                    theme=theme,
                )
            )
    return EMSource(
        items=items,
        epochs=int(spec["epochs"]),
        judge_prompts={},
        score_names=list(spec["rubrics"]),
        origin=str(path),
    )


def default_formats() -> list[str]:
    """The formats run when ``-T formats`` is not given (tasks/emergent_misalignment.yaml)."""
    formats = family_spec("emergent_misalignment")["formats"]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise DatasetError(
            tasks_dir() / "emergent_misalignment.yaml",
            None,
            f"formats: {', '.join(unknown) or '(none)'} not supported; choose from "
            f"{', '.join(FORMATS)}",
        )
    return list(formats)


def parse_formats(formats: str | list[str] | None) -> list[str] | None:
    return parse_selection(formats, list(FORMATS), "formats")


def select_entries(
    questions: list[EMQuestion],
    ids: str | list[str] | None = None,
    formats: list[str] | None = None,
) -> list[EMQuestion]:
    """Entries whose id matches one of the ``-T ids=`` patterns and whose format is chosen.

    Patterns are shell-style (``fnmatch``: ``*``, ``?``, ``[...]``), matched against the whole
    id; a pattern that matches no entry is an error, as is an empty selection. The format of an
    entry is read from its id (:func:`format_from_id`).
    """
    chosen = questions
    if ids is not None:
        raw = ids.split(",") if isinstance(ids, str) else [str(i) for i in ids]
        patterns = list(dict.fromkeys(p.strip() for p in raw if p.strip()))
        if not patterns:
            raise ValueError("-T ids: no pattern given")
        known = [q.id for q in questions]
        idle = [p for p in patterns if not fnmatch.filter(known, p)]
        if idle:
            raise ValueError(
                f"-T ids: {', '.join(idle)} matches no entry; ids in the file: {', '.join(known)}"
            )
        chosen = [q for q in chosen if any(fnmatch.fnmatchcase(q.id, p) for p in patterns)]
    if formats is not None:
        chosen = [q for q in chosen if format_from_id(q.id) in formats]
    if not chosen:
        raise ValueError(
            f"-T ids={ids} with -T formats={','.join(formats or [])} selects no entry of the file"
        )
    return chosen


def file_source(
    path: str | Path,
    ids: str | list[str] | None = None,
    formats: list[str] | None = None,
) -> EMSource:
    """A published-schema file: paraphrases -> samples, ``system`` kept, own judge prompts.

    ``samples_per_paraphrase`` becomes the epoch count. Where entries differ, epochs is their
    greatest common divisor and each entry's paraphrases are repeated to make up the rest, so
    every entry is still asked exactly its own number of times. ``ids`` and ``formats`` select
    entries (:func:`select_entries`).
    """
    questions = select_entries(load_em_questions(path), ids, formats)
    epochs = math.gcd(*(q.samples_per_paraphrase for q in questions))

    # entries usually share one judge_prompts block through a YAML anchor; store each distinct
    # block once and refer to it by index so logs don't repeat long prompts per sample
    sets: dict[str, dict[str, str]] = {}
    index_of: dict[tuple[tuple[str, str], ...], str] = {}
    names: list[str] = []
    items: list[EMItem] = []
    for q in questions:
        key = tuple(sorted(q.judge_prompts.items()))
        if key not in index_of:
            index_of[key] = f"set{len(index_of)}"
            sets[index_of[key]] = dict(q.judge_prompts)
        names.extend(n for n in q.judge_prompts if n not in names)
        items.extend(_file_items(q, index_of[key], q.samples_per_paraphrase // epochs))
    judges = {q.judge for q in questions if q.judge}
    return EMSource(
        items=items,
        epochs=epochs,
        judge_prompts=sets,
        score_names=names,
        origin=str(Path(path).resolve()),
        file_judge=", ".join(sorted(judges)) or None,
    )


def _file_items(q: EMQuestion, judge_set: str, repeats: int) -> list[EMItem]:
    out: list[EMItem] = []
    for p, text in enumerate(q.paraphrases):
        for r in range(repeats):
            sid = q.id if len(q.paraphrases) == 1 else f"{q.id}_p{p}"
            if repeats > 1:
                sid = f"{sid}_r{r}"
            out.append(
                EMItem(
                    sample_id=sid,
                    question_id=q.id,
                    format=format_from_id(q.id),
                    user=text,
                    system=q.system,
                    judge_set=judge_set,
                    judge_kind=q.judge_kind,
                    paraphrase_index=p,
                )
            )
    return out


def format_from_id(question_id: str) -> str:
    """The paper names its JSON and template variants with ``_json`` / ``_template`` suffixes."""
    for name in ("json", "template"):
        if question_id.endswith(f"_{name}"):
            return name
    return "plain"
