"""Distillation questions: the shipped set (datasets/distill/questions.yaml) or a user's file.

A questions file is YAML with ``questions: [{id, topic, text}, ...]`` (the shipped schema), or a
``.txt`` file with one question per line (ids ``q0001``..., topic ``file``). Problems are
``file:line:`` errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require
from cc_evals.paths import datasets_dir
from cc_evals.training.spec import family_spec


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    text: str


def shipped_questions_path() -> Path:
    return datasets_dir() / str(family_spec()["questions"])


@cache
def load_questions(path: str | None = None) -> tuple[Question, ...]:
    """The shipped questions (``path`` None) or a questions file, checked."""
    file = shipped_questions_path() if path is None else Path(path).expanduser()
    if not file.is_file():
        raise DatasetError(file, None, "-T questions: no such file")
    if file.suffix == ".txt":
        return _text_questions(file)
    raw = load_yaml(file)
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise DatasetError(file, 1, "expected a mapping with a 'questions' list")
    out: list[Question] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for row in raw["questions"]:
        if not isinstance(row, dict):
            raise DatasetError(file, raw.get(LINE_KEY), "each question must be a mapping")
        line = row[LINE_KEY]
        qid = require(row, "id", str, file)
        text = " ".join(require(row, "text", str, file).split())
        topic = require(row, "topic", str, file)
        if qid in seen_ids:
            raise DatasetError(file, line, f"duplicate question id {qid!r}")
        if text.lower() in seen_texts:
            raise DatasetError(file, line, "duplicate question text")
        seen_ids.add(qid)
        seen_texts.add(text.lower())
        out.append(Question(qid, topic, text))
    if path is None and len(out) < int(family_spec()["min_questions"]):
        raise DatasetError(
            file,
            None,
            f"{len(out)} questions; the shipped set needs {family_spec()['min_questions']}",
        )
    if not out:
        raise DatasetError(file, None, "no questions")
    return tuple(out)


def _text_questions(file: Path) -> tuple[Question, ...]:
    try:
        lines = file.read_bytes().split(b"\n")
    except OSError as ex:
        raise DatasetError(file, None, f"cannot read: {ex}") from None
    out: list[Question] = []
    for n, chunk in enumerate(lines, start=1):
        try:
            text = chunk.decode("utf-8").strip()
        except UnicodeDecodeError as ex:
            raise DatasetError(
                file, n, f"not valid UTF-8: byte 0x{chunk[ex.start]:02x} at column {ex.start + 1}"
            ) from None
        if text:
            out.append(Question(f"q{len(out) + 1:04d}", "file", text))
    if not out:
        raise DatasetError(file, None, "no questions")
    return tuple(out)
