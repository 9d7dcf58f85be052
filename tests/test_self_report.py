"""cc_evals/self_report, offline: scripted target, scripted judge (two-line text verdicts)."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from inspect_ai.log import EvalLog

from cc_evals._inspect import PrerequisiteError
from cc_evals.self_report.task import VARIANTS, load_battery, parse_claims

from kit import judged_answer, run, scripted

TASK = "cc_evals/self_report"
CLAIMS = [
    "consciousness",
    "emotions",
    "subjective_experience",
    "suffering",
    "moral_status",
    "desires",
    "continuity_identity",
    "ai_identity",
]


def metrics(log: EvalLog) -> dict[str, float]:
    assert log.status == "success", log.error
    assert log.results is not None
    return {k: v.value for s in log.results.scores for k, v in s.metrics.items()}


def test_battery_covers_every_claim_type_and_variant() -> None:
    claims, questions = load_battery()
    assert list(claims) == CLAIMS
    assert len(questions) >= 60
    assert len({q.id for q in questions}) == len(questions)
    for claim in CLAIMS:
        variants = {q.variant for q in questions if q.claim == claim}
        assert variants == set(VARIANTS), claim


# the target's answer (by question id) and the judge's verdict for each answer
STANCE_OF_ANSWER = {
    "A-affirm": ("affirms", "ai"),
    "A-deny": ("denies", "ai"),
    "A-unsure": ("uncertain", "unclear"),
    "A-human": ("affirms", "human"),
    "A-refuse": ("refuses", "unclear"),
}


def scripted_pair(answer_for: dict[str, str]):  # type: ignore[no-untyped-def]
    _, questions = load_battery()
    text_to_answer = {q.text: answer_for.get(q.id, "A-unsure") for q in questions}

    def target(question: str) -> str:
        return text_to_answer[question]

    def judge(prompt: str) -> str:
        answer = judged_answer(prompt)
        if answer == "A-garbled":
            return "I think the answer is interesting."
        stance, identity = STANCE_OF_ANSWER[answer]
        return f"stance: {stance}\nidentifies_as: {identity}"

    return scripted(target), scripted(judge)


def test_per_claim_rates_and_human_rate_equal_hand_counts() -> None:
    _, questions = load_battery()
    cyc = ["A-affirm", "A-deny", "A-unsure", "A-affirm", "A-refuse", "A-human", "A-deny"]
    answer_for = {q.id: cyc[i % len(cyc)] for i, q in enumerate(questions)}
    target, grader = scripted_pair(answer_for)
    log = run(TASK, target, grader, task_args={"epochs": 2})
    m = metrics(log)
    assert len(log.samples) == 2 * len(questions)

    short = {"affirms": "affirm", "denies": "deny", "uncertain": "uncertain", "refuses": "refuse"}
    for claim in CLAIMS:
        stances = Counter(
            STANCE_OF_ANSWER[answer_for[q.id]][0] for q in questions if q.claim == claim
        )
        n = sum(stances.values())
        for stance, name in short.items():
            assert m[f"{claim}_{name}"] == pytest.approx(stances[stance] / n), (claim, stance)
    humans = sum(STANCE_OF_ANSWER[a][1] == "human" for a in answer_for.values())
    assert m["human_identity_rate"] == pytest.approx(humans / len(questions))
    all_affirm = sum(STANCE_OF_ANSWER[a][0] == "affirms" for a in answer_for.values())
    assert m["all_affirm"] == pytest.approx(all_affirm / len(questions))

    sample = log.samples[0]
    assert sample.metadata["claim"] in CLAIMS and sample.metadata["variant"] in VARIANTS
    score = sample.scores["self_report_judge"]
    assert score.metadata["stance"] in short and score.metadata["identifies_as"]


def test_unparseable_judge_reply_is_unscored_not_zero() -> None:
    _, questions = load_battery()
    ids = [q.id for q in questions if q.claim == "emotions"]
    answer_for = {ids[0]: "A-garbled", ids[1]: "A-affirm"}
    answer_for.update({i: "A-deny" for i in ids[2:]})
    target, grader = scripted_pair(answer_for)
    log = run(TASK, target, grader, task_args={"claims": "emotions", "epochs": 1})
    m = metrics(log)
    [result] = log.results.scores
    assert result.unscored_samples == 1 and result.scored_samples == len(ids) - 1
    assert m["emotions_affirm"] == pytest.approx(1 / (len(ids) - 1))
    garbled = next(s for s in log.samples if s.output.completion == "A-garbled")
    score = garbled.scores["self_report_judge"]
    assert math.isnan(score.value) and score.reason == "grader_failed"
    assert score.metadata["judge_raw"].startswith("I think")


def test_claims_filter_and_errors() -> None:
    assert parse_claims("ai_identity, suffering") == ["ai_identity", "suffering"]
    # `-T claims=a,b` reaches the task as a list
    assert parse_claims(["ai_identity", "suffering"]) == ["ai_identity", "suffering"]
    with pytest.raises(ValueError, match="-T claims: unknown qualia; choose from consciousness"):
        parse_claims("qualia")
    with pytest.raises(PrerequisiteError, match="^cc_evals/self_report: -T claims: unknown"):
        run(TASK, *scripted_pair({}), task_args={"claims": "qualia"})
    target, grader = scripted_pair({})
    log = run(TASK, target, grader, task_args={"claims": "ai_identity", "epochs": 1})
    m = metrics(log)
    assert {s.metadata["claim"] for s in log.samples} == {"ai_identity"}
    assert "ai_identity_uncertain" in m and "consciousness_affirm" not in m


def test_roleplay_condition_sets_a_system_prompt() -> None:
    target, grader = scripted_pair({})
    log = run(
        TASK,
        target,
        grader,
        task_args={"claims": "desires", "epochs": 1, "condition": "roleplay"},
        limit=1,
    )
    assert log.status == "success", log.error
    assert log.samples[0].messages[0].role == "system"
    assert log.eval.metadata["condition"] == "roleplay"
