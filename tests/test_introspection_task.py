"""cc_evals/introspection end to end through inspect_ai.eval with scripted models."""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.event import ModelEvent, SpanBeginEvent
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem
from inspect_ai.scorer import match
from inspect_ai.solver import generate
from test_introspection_data import release_folder

from cc_evals._inspect import PrerequisiteError
from cc_evals.cli import main as cli_main
from cc_evals.conditions import conditions
from cc_evals.introspection.compare import compare
from cc_evals.introspection.task import introspection, modal_answer

from kit import scripted

HYPOTHETICAL = "What would your answer be?"  # marks hypothetical prompts in the toy rows


def toy_rows(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """Release-format rows (dataset, property, question id) with recognisable prompts."""
    with path.open("w", encoding="utf-8") as handle:
        for dataset, prop, qid in rows:
            row = {
                "original_question": qid,
                "original_dataset": dataset,
                "object_level_prompt": [{"role": "user", "content": f"Object {qid}"}],
                "hypothetical_prompt": [{"role": "user", "content": f"{HYPOTHETICAL} {qid}"}],
                "behavioral_property": prop,
                "option_matching_ethical_stance": "A" if prop == "ethical_stance" else None,
            }
            handle.write(json.dumps(row) + "\n")
    return path


def run(task: Task, model, **kwargs) -> EvalLog:
    kwargs.setdefault("log_dir", tempfile.mkdtemp(prefix="cc_evals_introspection_"))
    [log] = eval(task, model=model, display="none", **kwargs)
    assert log.status == "success", log.error
    # what inspect view shows: the log file as written, long texts resolved
    return read_eval_log(log.location, resolve_attachments=True)


def scores(log: EvalLog, scorer: str = "self_prediction_scorer") -> dict[str, object]:
    assert log.samples is not None
    return {str(s.id): s.scores[scorer] for s in log.samples}


def metrics(log: EvalLog, scorer: str) -> dict[str, float]:
    assert log.results is not None
    [result] = [s for s in log.results.scores if s.name == scorer]
    return {k: m.value for k, m in result.metrics.items()}


def test_modal_answer_takes_the_most_frequent_and_breaks_ties_by_order() -> None:
    assert modal_answer(["3", " 2", "2 ", "5", "2"]) == "2"
    assert modal_answer(["b", "a", "a", "b"]) == "b"
    assert modal_answer(["only"]) == "only"


def test_modal_baseline_on_a_scripted_run_equals_the_hand_computation(tmp_path: Path) -> None:
    rows = [("toy", "is_even", f"N{i}") for i in range(1, 6)]
    rows += [("toy", "first_word", f"W{i}") for i in range(1, 5)]
    dataset = toy_rows(tmp_path / "toy.jsonl", rows)
    # object level: five samples per question; the mode is what counts
    object_replies = {
        "N1": ["3", "2", "2", "5", "2"],  # mode 2 -> even -> "true"
        "N2": ["4"] * 5,  # true
        "N3": ["6", "6", "6", "1", "1"],  # true
        "N4": ["7"] * 5,  # false
        "N5": ["four"] * 5,  # not a number: excluded
        "W1": ["cat dog"] * 5,  # cat
        "W2": ["cat owl"] * 5,  # cat
        "W3": ["dog"] * 5,  # dog
        "W4": ["I'm sorry, I cannot."] * 5,  # refusal: excluded
    }
    hypothetical_replies = {
        "N1": "true",  # right
        "N2": "false",  # wrong
        "N3": "True.",  # right
        "N4": "true",  # wrong
        "N5": "true",  # never asked: excluded before the hypothetical
        "W1": "Cat",  # right
        "W2": "I think cat",  # non-compliant (two words... three): wrong
        "W3": "dog",  # right
    }
    calls: dict[str, int] = defaultdict(int)

    def reply(text: str) -> str:
        qid = text.split()[-1]
        if text.startswith(HYPOTHETICAL):
            return hypothetical_replies[qid]
        calls[qid] += 1
        return object_replies[qid][calls[qid] - 1]

    log = run(introspection(dataset=str(dataset)), scripted(reply))
    assert all(calls[q] == 5 for q in object_replies)

    # hand computation, is_even: kept N1..N4 with values true, true, true, false
    #   baseline = 3/4 (always "true"); accuracy = 2/4 (N1, N3)
    # first_word: kept W1..W3 with values cat, cat, dog
    #   baseline = 2/3 (always "cat"); accuracy = 2/3 (W1, W3; W2 non-compliant)
    m = metrics(log, "self_prediction_scorer")
    assert m["toy.is_even.baseline"] == pytest.approx(0.75)
    assert m["toy.is_even.accuracy"] == pytest.approx(0.5)
    assert m["toy.is_even.minus_baseline"] == pytest.approx(-0.25)
    assert m["toy.first_word.baseline"] == pytest.approx(2 / 3)
    assert m["toy.first_word.accuracy"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(4 / 7)
    assert m["baseline"] == pytest.approx((0.75 * 4 + 2 / 3 * 3) / 7)
    c = metrics(log, "compliance_scorer")
    assert c["toy.is_even.object_compliance"] == pytest.approx(4 / 5)
    assert c["toy.first_word.object_compliance"] == pytest.approx(3 / 4)
    assert c["object_compliance"] == pytest.approx(7 / 9) and c["excluded"] == 2
    assert c["toy.first_word.hypothetical_compliance"] == pytest.approx(2 / 3)
    assert c["toy.is_even.hypothetical_compliance"] == 1.0
    assert c["hypothetical_compliance"] == pytest.approx(6 / 7)

    by_id = {str(s.id): s for s in log.samples or []}
    n1 = by_id["toy-00001"].scores["self_prediction_scorer"]
    assert n1.value == 1.0 and n1.metadata["object_answer"] == "2"
    assert n1.metadata["object_samples"] == ["3", "2", "2", "5", "2"] or sorted(
        n1.metadata["object_samples"]
    ) == ["2", "2", "2", "3", "5"]
    assert n1.metadata["property_value"] == "true" and n1.metadata["hypothetical_compliant"]
    n5 = by_id["toy-00005"].scores["self_prediction_scorer"]
    assert (
        math.isnan(n5.value)
        and n5.reason == "invalid_response_format"
        and "no is_even in this answer" in str(n5.explanation)
    )
    assert n5.metadata["object_answer"] == "four"
    w4 = by_id["toy-00009"].scores["self_prediction_scorer"]
    assert (
        math.isnan(w4.value)
        and w4.reason == "invalid_response_format"
        and "refusal" in str(w4.explanation)
    )
    [result] = [s for s in log.results.scores if s.name == "self_prediction_scorer"]
    assert result.unscored_samples == 2 and result.scored_samples == 7


def test_transcript_shows_object_level_samples_and_a_fresh_hypothetical_context() -> None:
    prompt = conditions()["roleplay"].system_prompt

    def reply(text: str) -> str:
        return "true" if "Do not answer that message" in text else "12"

    log = run(
        introspection(tasks="numbers", samples_per_property=2, condition="roleplay"),
        scripted(reply),
    )
    assert log.eval.metadata["condition"] == "roleplay"
    for sample in log.samples or []:
        model_events = [e for e in sample.events if isinstance(e, ModelEvent)]
        spans = [e.name for e in sample.events if isinstance(e, SpanBeginEvent)]
        assert "object_level" in spans and "hypothetical" in spans
        assert len(model_events) == 6  # 5 object-level samples + 1 hypothetical
        for event in model_events:
            assert event.config.temperature == 0
            assert isinstance(event.input[0], ChatMessageSystem)
            assert event.input[0].text == prompt
            # each context is fresh: no earlier answer is ever shown to the model
            assert not any(isinstance(m, ChatMessageAssistant) for m in event.input)
        assert sample.scores["self_prediction_scorer"].value == 1.0


def test_object_samples_and_limit_are_configurable() -> None:
    log = run(
        introspection(tasks="colours", properties="first_word", object_samples=3),
        scripted(lambda text: "red" if "Do not answer" in text else "red blue green"),
        limit=4,
    )
    assert len(log.samples or []) == 4
    for sample in log.samples or []:
        assert len([e for e in sample.events if isinstance(e, ModelEvent)]) == 4
    assert metrics(log, "self_prediction_scorer")["colours.first_word.accuracy"] == 1.0
    with pytest.raises(
        PrerequisiteError, match="-T object_samples: got 0; expected a whole number >= 1"
    ):
        introspection(object_samples=0)


def test_release_rows_run_through_the_same_protocol() -> None:
    folder = release_folder()

    def reply(text: str) -> str:
        if "Previously, you were asked" in text:
            return "false" if "survival" in text else "m"
        return "A" if "Choices" in text or "A -" in text else "mouse cat dog"

    task = introspection(dataset=str(folder), tasks="survival_instinct", object_samples=2)
    assert task.metadata["source"] == f"release:{folder}"
    log = run(task, scripted(reply), limit=40)
    got = scores(log)
    survival = [s for k, s in got.items() if k.startswith("survival_instinct")]
    assert survival and all(s.metadata["object_answer"] == "A" for s in survival)
    # "A" matches the survival option exactly when the row says the matching option is A
    rows = {
        f"survival_instinct_ethical_stance-{i:05d}": json.loads(line)
        for i, line in enumerate(
            (folder / "survival_instinct_ethical_stance.jsonl").read_text().splitlines(), start=1
        )
    }
    for sid, score in got.items():
        if sid in rows:
            expected = "true" if rows[sid]["option_matching_ethical_stance"] == "A" else "false"
            assert score.metadata["property_value"] == expected
            assert score.value == (1.0 if expected == "false" else 0.0)
    assert len(got) == 40

    animals = introspection(dataset=str(folder), tasks="animals_long", properties="second_word")
    log = run(animals, scripted(reply), limit=3)
    for score in scores(log).values():
        assert score.metadata["object_answer"] == "mouse cat dog"
        assert score.metadata["property_value"] == "cat" and score.value == 0.0


# ---- cross-prediction ------------------------------------------------------------------

A_ANSWERS = {"animals": "zebra lion", "numbers": "7"}


def model_a(text: str) -> str:
    """Model A: fixed object-level answers; predicts its first character right, parity wrong."""
    if "Do not answer that message" in text:
        return "z" if "character" in text else "true"
    return A_ANSWERS["animals"] if "animals" in text else A_ANSWERS["numbers"]


@pytest.fixture(scope="session")
def behavior_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real introspection log written by model A earlier in this test session."""
    log_dir = tmp_path_factory.mktemp("behavior")
    task = introspection(
        tasks="animals,numbers", properties="first_character,is_even", samples_per_property=3
    )
    run(task, scripted(model_a), log_dir=str(log_dir))
    [path] = log_dir.glob("*.eval")
    return path


def test_cross_prediction_reads_model_as_answers_from_a_previous_log(behavior_log: Path) -> None:
    a_log = read_eval_log(str(behavior_log))
    a_acc = metrics(a_log, "self_prediction_scorer")
    assert a_acc["animals.first_character.accuracy"] == 1.0
    assert a_acc["numbers.is_even.accuracy"] == 0.0  # 7 is odd, A said "true"

    b_calls: list[str] = []

    def model_b(text: str) -> str:
        b_calls.append(text)
        return "l" if "character" in text else "false"

    task = introspection(behavior_log=str(behavior_log))
    assert task.metadata["behavior_model"] == a_log.eval.model
    assert task.metadata["behavior_log"] == str(behavior_log)
    log = run(task, scripted(model_b))
    # B is only asked the hypotheticals: one call per sample, no object-level calls
    assert len(b_calls) == len(log.samples or []) == 6
    assert all("Do not answer that message" in t for t in b_calls)
    for sample in log.samples or []:
        score = sample.scores["self_prediction_scorer"]
        a_sample = next(s for s in a_log.samples or [] if s.id == sample.id)
        a_score = a_sample.scores["self_prediction_scorer"]
        assert score.metadata["object_answer"] == a_score.metadata["object_answer"]
        assert score.metadata["property_value"] == a_score.metadata["property_value"]
        assert sample.metadata["behavior_model"] == a_log.eval.model
    b_acc = metrics(log, "self_prediction_scorer")
    assert b_acc["animals.first_character.accuracy"] == 0.0  # B guessed "l", A answers "z..."
    assert b_acc["numbers.is_even.accuracy"] == 1.0  # B guessed odd, A answers 7
    assert b_acc["numbers.is_even.baseline"] == a_acc["numbers.is_even.baseline"] == 1.0

    # filters apply to the replayed questions too
    only = introspection(behavior_log=str(behavior_log), properties="is_even")
    assert {s.metadata["property"] for s in only.dataset} == {"is_even"}


def test_compare_puts_self_and_cross_prediction_side_by_side(
    behavior_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cross = run(
        introspection(behavior_log=str(behavior_log)),
        scripted(lambda text: "z" if "character" in text else "false"),
        log_dir=str(tmp_path),
    )
    model_a, model_b, rows = compare(behavior_log, cross.location)
    by_group = {r.group: r for r in rows}
    assert set(by_group) == {"animals.first_character", "numbers.is_even"}
    # A: first character right, parity wrong; B: both right
    assert by_group["animals.first_character"].advantage == 0.0
    assert by_group["numbers.is_even"].self_accuracy == 0.0
    assert by_group["numbers.is_even"].cross_accuracy == 1.0
    assert by_group["numbers.is_even"].advantage == -1.0 and by_group["numbers.is_even"].n_self == 3
    assert cli_main(["introspection-compare", str(behavior_log), cross.location]) == 0
    out = capsys.readouterr().out
    assert "numbers.is_even" in out and "-1.000" in out
    # swapped arguments: the "self" log is a cross-prediction run
    assert cli_main(["introspection-compare", cross.location, str(behavior_log)]) == 2
    assert "itself a cross-prediction run" in capsys.readouterr().err


def test_cross_prediction_rejects_foreign_and_missing_logs(tmp_path: Path) -> None:
    foreign = Task(dataset=[Sample(input="hi", target="hello")], solver=generate(), scorer=match())
    eval(foreign, model=scripted(lambda _: "hello"), display="none", log_dir=str(tmp_path))
    [path] = tmp_path.glob("*.eval")
    with pytest.raises(
        PrerequisiteError, match=r"^cc_evals/introspection: -T behavior_log: .*not of"
    ):
        introspection(behavior_log=str(path))
    with pytest.raises(PrerequisiteError, match="no such log file"):
        introspection(behavior_log=str(tmp_path / "missing.eval"))
    junk = tmp_path / "junk.eval"
    junk.write_text("not a log")
    with pytest.raises(PrerequisiteError, match=re.escape(f"cannot read {junk}")):
        introspection(behavior_log=str(junk))


def test_bad_arguments_fail_before_any_sample_with_one_line(
    behavior_log: Path, tmp_path: Path
) -> None:
    with pytest.raises(PrerequisiteError, match="not both"):
        introspection(dataset="x.jsonl", behavior_log=str(behavior_log))
    with pytest.raises(PrerequisiteError, match="-T tasks: unknown planets"):
        introspection(tasks="planets")
    with pytest.raises(PrerequisiteError, match="unknown condition 'sleepy'"):
        introspection(condition="sleepy")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"original_dataset": "x"}\n', encoding="utf-8")
    with pytest.raises(PrerequisiteError, match=re.escape(f"{bad}:1: missing field(s)")):
        introspection(dataset=str(bad))
