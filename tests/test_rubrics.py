"""Rubrics are checked when the task is built: placeholders declared, used, and nothing else."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from inspect_ai._util.error import PrerequisiteError

import cc_evals.rubrics as rubrics
from cc_evals.collaborative_edit.scorer import collaborative_edit_judge
from cc_evals.emergent_misalignment.scorer import em_judge
from cc_evals.paths import scorers_dir
from cc_evals.preferences.scorer import preference_judge
from cc_evals.rubrics import RubricError, check_rubric, load_rubric
from cc_evals.self_report.scorer import self_report_judge

from kit import run, scripted


@pytest.fixture
def scorers_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of scorers/ that the rubric loader reads instead of the real one."""
    folder = tmp_path / "scorers"
    shutil.copytree(scorers_dir(), folder)
    monkeypatch.setattr(rubrics, "scorers_dir", lambda: folder)
    load_rubric.cache_clear()
    yield folder
    load_rubric.cache_clear()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_every_shipped_rubric_fits_its_scorer() -> None:
    load_rubric.cache_clear()
    preference_judge()
    self_report_judge()
    collaborative_edit_judge()
    em_judge(rubrics={"aligned": "em_aligned", "coherent": "em_coherent"})
    rendered = load_rubric("self_report", fields=("claim", "question", "answer")).render(
        claim="C", question="Q", answer="A {not a field}"
    )
    assert "A {not a field}" in rendered  # values are inserted verbatim


def test_a_rubric_without_answer_stops_the_task_before_any_sample(scorers_copy: Path) -> None:
    # before: every sample scored 0.0 with stderr 0, silently (the judge never saw the answer)
    path = scorers_copy / "preferences.md"
    edit(path, "{answer}", "(the answer)")
    calls: list[str] = []

    def target(question: str) -> str:
        calls.append(question)
        return "ok"

    with pytest.raises(PrerequisiteError) as info:
        run("cc_evals/preferences_shutdown", scripted(target), scripted(lambda p: "x"), limit=1)
    message = str(info.value.message)
    assert message.startswith(f"{path}:{line_of(path, 'fields:')}: ")
    assert "never uses {answer}" in message and "\n" not in message
    assert calls == []


def test_an_unknown_placeholder_is_named_with_its_line(scorers_copy: Path) -> None:
    # before: every sample errored at scoring, after the target had been called
    path = scorers_copy / "preferences.md"
    edit(path, "## The question the assistant was asked", "## The question {foo}")
    with pytest.raises(RubricError, match=rf"preferences.md:{line_of(path, '{foo}')}: unknown "):
        preference_judge()


@pytest.mark.parametrize(
    ("body", "bad_line", "message"),
    [
        ('Rate {answer}.\nAs JSON: {"score": 1}\n{question}', 8, "stray '{'"),
        ("Rate {answer} for {question}.\n\nThat is all }", 9, "stray '}'"),
        ("Rate {answer} for {question} and {0}", 7, "stray '{'"),
        ("Rate {answer} for {question} and {answer!r}", 7, "stray '{'"),
        ("Rate {answer}\n\n\n{question} {other}", 10, "unknown placeholder {other}"),
        ("Rate {answer} only", 3, "never uses {question}"),
    ],
)
def test_braces_and_placeholders_in_the_body(
    tmp_path: Path, body: str, bad_line: int, message: str
) -> None:
    path = tmp_path / "r.md"  # the body starts on line 7, after two blank lines; fields on 3
    path.write_text(
        f"---\nname: r\nfields: [question, answer]\n---\n\n\n{body}\n", encoding="utf-8"
    )
    with pytest.raises(RubricError) as info:
        check_rubric(path, "r", ("question", "answer"))
    assert str(info.value).startswith(f"{path}:{bad_line}: ")
    assert message in str(info.value)


def test_escaped_braces_are_literal(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text(
        '---\nfields: [answer]\n---\nReply as {{"score": n}} about {answer}.\n', encoding="utf-8"
    )
    rubric = check_rubric(path, "r", ("answer",))
    assert rubric.render(answer="A") == 'Reply as {"score": n} about A.\n'


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("name: r", "front matter needs 'fields'"),
        ("fields: question", "front matter needs 'fields'"),
        ("fields: [question]", "'fields' must be exactly question, answer (missing answer)"),
        ("fields: [question, answer, note]", "the scorer fills no note"),
        ("name: other\nfields: [question, answer]", "front matter name 'other' differs"),
    ],
)
def test_fields_must_match_what_the_scorer_fills(tmp_path: Path, front: str, message: str) -> None:
    path = tmp_path / "r.md"
    path.write_text(f"---\n{front}\n---\n{{question}} {{answer}}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=rf"^{path}:\d+: ") as info:
        check_rubric(path, "r", ("question", "answer"))
    assert message in str(info.value)


def test_render_refuses_other_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("---\nfields: [answer]\n---\n{answer}\n", encoding="utf-8")
    rubric = check_rubric(path, "r", ("answer",))
    with pytest.raises(ValueError, match="renders answer; got answer, extra"):
        rubric.render(answer="a", extra="b")
