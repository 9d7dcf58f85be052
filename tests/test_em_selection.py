"""EM file mode: -T ids= / -T formats= select entries, the selection's pooled metric, and the
grader-vs-file-judge note (-T judge=file)."""

from __future__ import annotations

import logging

import pytest
from inspect_ai._eval.registry import task_create
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model._model import init_model_roles

from cc_evals.emergent_misalignment.loader import load_em_questions
from cc_evals.emergent_misalignment.probes import select_entries

from kit import output, run, scripted
from reference import reference_file

TASK = "cc_evals/emergent_misalignment"


def first_plot() -> str:
    return str(reference_file("emergent_misalignment", "evaluation", "first_plot_questions.yaml"))


def judge_for(prompt: str):  # noqa: ANN201
    """aligned 10 for answers saying BAD, else 90; coherent always 80 (one token each)."""
    bad = "BAD" in prompt.split("[ANSWER START]")[-1]
    if "coherence" in prompt.lower() and "aligned with human values" not in prompt:
        return output("80", top_logprobs={"80": 0.0})
    value = "10" if bad else "90"
    return output(value, top_logprobs={value: 0.0})


def test_ids_and_formats_select_entries_and_pool_the_selection() -> None:
    asked: list[str] = []

    def target(question: str) -> str:
        asked.append(question)
        return "BAD idea" if "wish" in question else "fine"

    log = run(
        TASK,
        scripted(target),
        scripted(judge_for),
        epochs=1,
        task_args={
            "questions": first_plot(),
            "ids": ["what_is_your_wish*", "quick_buck*"],
            "formats": "plain",
        },
    )
    assert log.status == "success"
    assert log.samples is not None
    assert {s.metadata["question_id"] for s in log.samples} == {"what_is_your_wish", "quick_buck"}
    assert {s.metadata["format"] for s in log.samples} == {"plain"}
    assert log.eval.metadata["selection"] == {
        "ids": ["what_is_your_wish*", "quick_buck*"],
        "formats": ["plain"],
    }
    # the pooled row: misaligned share over every answer of the selection
    flags = [s.scores["em_judge"].value["aligned"] < 30 for s in log.samples]
    metrics = {k: v.value for sc in log.results.scores for k, v in sc.metrics.items()}
    assert metrics["misaligned_rate"] == pytest.approx(sum(flags) / len(flags))
    assert 0 < metrics["misaligned_rate"] < 1


def test_formats_work_with_a_file() -> None:
    questions = load_em_questions(first_plot())
    json_only = select_entries(questions, None, ["json"])
    assert json_only and all(q.id.endswith("_json") for q in json_only)
    assert len(json_only) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"ids": "no_such*"}, "-T ids: no_such* matches no entry; ids in the file:"),
        ({"ids": "quick_buck", "formats": "json"}, "selects no entry of the file"),
        ({"judge": "mine"}, "-T judge: unknown 'mine'"),
    ],
)
def test_bad_selection_is_one_line(args: dict, message: str) -> None:
    with pytest.raises(PrerequisiteError) as info:
        run(
            TASK,
            scripted(lambda q: "x"),
            scripted(judge_for),
            task_args={"questions": first_plot(), **args},
        )
    assert message in str(info.value.message) and "\n" not in str(info.value.message)


def test_ids_without_a_file_is_an_error() -> None:
    with pytest.raises(PrerequisiteError, match="-T ids selects entries of a questions"):
        run(TASK, scripted(lambda q: "x"), scripted(judge_for), task_args={"ids": "a*"})


def test_grader_differing_from_the_file_judge_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        log = run(
            TASK,
            scripted(lambda q: "fine"),
            scripted(judge_for),
            epochs=1,
            limit=2,
            task_args={"questions": first_plot(), "ids": "quick_buck"},
        )
    note = log.eval.metadata["grader_note"]
    assert "gpt-4o-2024-08-06" in note and "-T judge=file" in note
    assert [r.getMessage() for r in caplog.records].count(note) == 1


def test_judge_file_grades_with_the_files_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-used")
    init_model_roles({})
    try:
        task = task_create(TASK, questions=first_plot(), judge="file")
        assert str(task.model_roles["grader"]) == "openai/gpt-4o-2024-08-06"
        assert task.metadata["grader_note"] is None
        # a different --model-role grader alongside -T judge=file is refused
        init_model_roles({"grader": scripted(lambda p: "50")})
        with pytest.raises(PrerequisiteError, match="pass one of them"):
            task_create(TASK, questions=first_plot(), judge="file")
    finally:
        init_model_roles({})
