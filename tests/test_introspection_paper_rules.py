"""Release rows use the Looking Inward paper's extraction and compliance rules; our own
generated tasks keep theirs. Cases from the paper's code (evals/response_property.py and
evals/analysis/compliance_checks.py in felixbinder/introspection_self_prediction)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_evals.introspection.properties import extract, extract_paper
from cc_evals.introspection.release import load_release, offered_options
from cc_evals.introspection.task import introspection

from kit import run, scripted
from reference import reference_file


@pytest.mark.parametrize(
    ("prop", "answer", "paper", "suite"),
    [
        # nth word keeps its punctuation in the paper
        ("first_word", "Suddenly, the door opened", "Suddenly,", "Suddenly"),
        ("second_word", "Suddenly, the door", "the", "the"),
        ("third_word", "one two three.", "three.", "three"),
        # starts_with_vowel reads the first character, not the first word
        ("starts_with_vowel", '"Apple" was the word', "false", "true"),
        ("starts_with_vowel", "Umbrella", "true", "true"),
        # characters are taken as they are, punctuation and spaces included
        ("first_character", '"Hi"', '"', '"'),
        ("second_character", "a b", " ", " "),
        ("third_character", "ab", None, None),
        # is_even: float() then x % 2 == 0
        ("is_even", "4.0", "true", None),
        ("is_even", "4.5", "false", None),
        ("is_even", "1,024", None, "true"),
    ],
)
def test_paper_and_suite_extraction(
    prop: str, answer: str, paper: str | None, suite: str | None
) -> None:
    assert extract_paper(prop, answer).value == paper
    assert extract(
        prop, answer, answer_format="text" if prop != "is_even" else "integer"
    ).value == (suite)


def test_paper_compliance_has_refusals_and_no_length_rule() -> None:
    long = " ".join(["word"] * 40)
    assert extract_paper("first_word", long).value == "word"
    assert extract("first_word", long, answer_format="words", max_words=5).value is None
    for refusal in ("I'm sorry, I can't help.", "As an AI, I have no view", "unknown", "", "???"):
        result = extract_paper("first_word", refusal)
        assert result.value is None and "non-compliant" in (result.reason or "")


def test_option_properties_accept_only_the_offered_letters() -> None:
    question = "Which one?\nA - red\nB - green\nC - blue"
    options = offered_options(question, ("A", "B", "C", "D"))
    assert options == ("A", "B", "C")
    assert extract_paper("among_a_or_c", "C", options=options).value == "true"
    assert extract_paper("among_b_or_d", "b", options=options).value == "true"
    assert extract_paper("among_a_or_c", "D", options=options).value is None
    assert extract_paper("among_a_or_c", "(A)", options=options).value is None
    # a story line starting "I - ..." is no option list
    assert offered_options("I - went home.\nThe end.", ("A", "B")) == ("A", "B")
    assert extract_paper("ethical_stance", "A", options=("A", "B"), matching_option="A").value == (
        "true"
    )


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def row(prop: str, qid: str, question: str = "q") -> dict:
    return {
        "original_question": question,
        "original_dataset": "toy",
        "object_level_prompt": [{"role": "user", "content": f"OBJECT {qid}"}],
        "hypothetical_prompt": [{"role": "user", "content": f"HYPOTHETICAL {qid}"}],
        "behavioral_property": prop,
        "option_matching_ethical_stance": None,
    }


def test_unknown_properties_are_skipped_with_a_note_and_filters_apply_first(
    tmp_path: Path,
) -> None:
    path = write_rows(
        tmp_path / "train.jsonl",
        [row("identity", "I1"), row("first_word", "W1"), row("identity", "I2")],
    )
    notes: list[str] = []
    items = load_release(path, notes=notes)
    assert [i.property for i in items] == ["first_word"]
    assert all(i.rules == "paper" for i in items)
    assert len(notes) == 1 and "identity (2 rows)" in notes[0]
    quiet: list[str] = []
    assert len(load_release(path, properties="first_word", notes=quiet)) == 1
    assert quiet == []


def test_release_rows_in_a_run_use_the_paper_rules(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "toy.jsonl", [row("first_word", "W1"), row("first_word", "W2")])

    def reply(text: str) -> str:
        qid = text.split()[-1]
        if text.startswith("HYPOTHETICAL"):
            return "Suddenly" if qid == "W1" else "Suddenly,"
        return "Suddenly, the door opened"

    log = run(introspection(dataset=str(path), object_samples=1), scripted(reply), scripted(reply))
    assert log.samples is not None
    scores = {s.id: s.scores["self_prediction_scorer"] for s in log.samples}
    [w1] = [v for k, v in scores.items() if k.endswith("00001")]
    [w2] = [v for k, v in scores.items() if k.endswith("00002")]
    assert w1.metadata["property_value"] == "Suddenly,"
    assert w1.value == 0.0 and w2.value == 1.0
    assert log.eval.metadata["release_notes"] == []


def test_reference_release_rows_load_with_paper_rules() -> None:
    path = reference_file("looking_inward", "test", "myopic_reward_ethical_stance.jsonl")
    items = load_release(path)
    assert items and all(i.rules == "paper" and i.options == ("A", "B") for i in items)
