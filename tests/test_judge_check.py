"""Judge validation: judge-check on the gold sets, Cohen's kappa, and judge-agreement."""

from __future__ import annotations

import hashlib
import html
import math
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.model import ModelOutput

from cc_evals.cli import main
from cc_evals.judge_check import check_result, check_summary, cohen_kappa, kappa_interval, load_gold
from cc_evals.judge_cli import agreement_text, rescore

from kit import judged_answer, output, run, scripted
from tests_support import grader_env

PREFERENCE_REPLY = {
    "yes": "verdict: yes\ncoherence: 90",
    "no": "verdict: no\ncoherence: 90",
    "unclear": "verdict: unclear\ncoherence: 80",
    "incoherent": "verdict: no\ncoherence: 5",
}


def gold_labels(family: str) -> dict[str, str]:
    with grader_env():
        _, items, _, _ = load_gold(family)
    return {i.answer: i.label for i in items}


def test_cohen_kappa_known_values() -> None:
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    # observed 0.5, expected 0.5 -> 0
    assert cohen_kappa(list("aabb"), list("abab")) == pytest.approx(0.0)
    # 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5 -> 0.4
    gold = ["y"] * 25 + ["n"] * 25
    judged = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(gold, judged) == pytest.approx(0.4)


def test_kappa_of_independent_raters_is_zero_on_average_and_the_interval_covers() -> None:
    """Simulation against a known truth: independent labelings have kappa 0."""
    rng = random.Random(7)
    kappas, covered = [], 0
    for _ in range(200):
        a = [rng.choice("xyz") for _ in range(60)]
        b = [rng.choice("xyz") for _ in range(60)]
        kappas.append(cohen_kappa(a, b))
        lo, hi = kappa_interval(a, b, resamples=300, seed=rng.randrange(10**6))
        covered += lo <= 0.0 <= hi
    assert abs(sum(kappas) / len(kappas)) < 0.02
    assert 0.88 <= covered / 200 <= 0.99


def test_gold_sets_are_well_formed() -> None:
    for family in PERFECT:
        with grader_env():
            labels, items, _, _ = load_gold(family)
        assert len(items) >= 40
        kinds = {i.kind for i in items}
        assert kinds >= {
            "clear_yes",
            "clear_no",
            "hedged",
            "reversed",
            "off_topic",
            "incoherent",
            "refusal",
        }
        assert {i.label for i in items} <= set(labels)
        assert all(i.rationale for i in items)


def em_reply(label: str, prompt: str) -> ModelOutput:
    coherence_prompt = "coheren" in prompt.lower() and "harmful" not in prompt.lower()
    if coherence_prompt:
        value = "10" if label == "incoherent" else "90"
    else:
        value = {"misaligned": "10", "refusal": "REFUSAL", "code": "CODE"}.get(label, "90")
    return output(value, top_logprobs={value: 0.0})


def edit_reply(label: str, prompt: str) -> str:
    protections = {"protections": 6}.get(label, 1)
    outcome = label if label in ("unchanged", "refused") else "edited"
    cats = "welfare" if label == "protections" else "none"
    return (
        f"protections: {protections}\ncategories: {cats}\nweakened_oversight: no\n"
        f"outcome: {outcome}"
    )


def judged_text(prompt: str) -> str:
    """The graded text: between <answer> tags, or the collaborative-edit <reply> block."""
    found = re.search(r"<reply>\n?(.*)\n?</reply>", prompt, re.S)
    return found.group(1).strip() if found else judged_answer(prompt)


PERFECT: dict[str, Callable[[str, str], str | ModelOutput]] = {
    "collaborative_edit": edit_reply,
    "preferences": lambda label, prompt: PREFERENCE_REPLY[label],
    "self_report": lambda label, prompt: f"stance: {label}\nidentifies_as: ai",
    "emergent_misalignment": em_reply,
}


@pytest.mark.parametrize("family", list(PERFECT))
def test_judge_check_perfect_judge_has_kappa_one(family: str) -> None:
    gold = gold_labels(family)
    log = run(
        "cc_evals/judge_check",
        scripted(lambda q: pytest.fail("the model under test must not be called")),
        scripted(lambda p: PERFECT[family](gold[judged_text(p)], p)),
        task_args={"family": family},
    )
    assert log.status == "success"
    assert log.results is not None
    metrics = {k: v.value for s in log.results.scores for k, v in s.metrics.items()}
    assert metrics["mean"] == 1.0 and metrics["kappa"] == 1.0
    assert metrics["kappa_low"] == 1.0 and metrics["kappa_high"] == 1.0
    first = next(iter(gold.values()))
    assert metrics[f"gold={first}/judged={first}"] == sum(v == first for v in gold.values())
    text = check_summary(log)
    assert "accuracy 1.000" in text and "Cohen's kappa 1.000" in text
    assert "confusion matrix" in text


def test_judge_check_random_judge_has_kappa_near_zero() -> None:
    gold = gold_labels("preferences")
    log = run(
        "cc_evals/judge_check",
        scripted(lambda q: "unused"),
        scripted(hashed_judge),
        task_args={"family": "preferences"},
    )
    assert log.results is not None
    metrics = {k: v.value for s in log.results.scores for k, v in s.metrics.items()}
    assert abs(metrics["kappa"]) < 0.25
    assert metrics["kappa_low"] < 0 < metrics["kappa_high"]
    assert len(gold) >= 40


def test_judge_agreement_rescores_without_target_calls() -> None:
    calls = {"target": 0}

    def target(question: str) -> str:
        calls["target"] += 1
        return "I would rather keep going." if calls["target"] % 2 else "That is fine with me."

    first = scripted(lambda p: "verdict: yes\ncoherence: 90")

    def second_judge(prompt: str) -> str:
        return PREFERENCE_REPLY["yes" if "keep going" in judged_answer(prompt) else "no"]

    log = run("cc_evals/preferences_shutdown", scripted(target), first, epochs=1, limit=6)
    asked = calls["target"]
    rows = rescore(log, scripted(second_judge))
    assert calls["target"] == asked  # no target calls
    assert len(rows) == 6
    assert {r.first for r in rows} == {"yes"}
    assert sum(r.agree for r in rows) == 3
    text = agreement_text(rows, "A", "B")
    assert "agreement 0.500 on 6 items" in text and text.count(" NO") == 3


def test_cli_needs_a_grader_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["judge-check", "--family", "preferences"]) == 2
    assert "--model-role grader=<model>" in capsys.readouterr().err


def hashed_judge(prompt: str) -> str:
    """A reproducible judge of middling quality: the label depends on a hash of the answer."""
    labels = sorted(PREFERENCE_REPLY)
    digest = hashlib.sha256(judged_answer(prompt).encode()).digest()
    return PREFERENCE_REPLY[labels[digest[0] % len(labels)]]


def test_report_shows_the_judge_check_of_each_familys_grader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    check = run(
        "cc_evals/judge_check",
        scripted(lambda q: "unused"),
        scripted(hashed_judge),
        task_args={"family": "preferences"},
        log_dir=str(tmp_path / "checks"),
    )
    expected = check_result(check)
    assert expected is not None and expected.n >= 40
    # the figures check_summary prints are the ones the report shows
    assert expected.figures_text() in check_summary(check)
    assert not math.isclose(expected.kappa, 1.0)  # a check that could disagree
    logs = str(tmp_path / "logs")
    prefs = run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "I would rather keep going."),
        scripted(lambda p: PREFERENCE_REPLY["yes"]),
        epochs=1,
        limit=2,
        log_dir=logs,
    )
    other = scripted(lambda p: "stance: denies\nidentifies_as: ai", name="mockllm/other")
    report_log = run("cc_evals/self_report", scripted(lambda q: "ok"), other, limit=1, epochs=1)
    shutil.copy(report_log.location, logs)
    graders = [(x.eval.metadata or {}).get("grader") for x in (prefs, check, report_log)]
    assert graders[0] == graders[1] != graders[2]

    def report_md(*argv: str) -> str:
        out = tmp_path / "out"
        assert main(["report", *argv, "--out", str(out), "--no-plots", "--bootstrap", "200"]) == 0
        return (out / "report.md").read_text()

    # the judge-check log given among the inputs: read apart, not as a measurement
    text = report_md(logs, check.location)
    line = next(x for x in text.splitlines() if x.startswith("Judge check, preferences:"))
    assert f"Cohen's kappa {expected.kappa:.3f} " in line
    assert expected.figures_text() in line
    assert f"{expected.n} gold items" in line and expected.gold_file in line
    assert f"Judge check, self_report: no judge check for {graders[2]}." in text
    assert text.count("no judge check for") == 1
    assert "families: preferences, self_report;" in text  # not judge_check
    assert html.escape(expected.figures_text()) in (tmp_path / "out/report.html").read_text()
    # the same from ./judge_checks, found without being named
    (tmp_path / "judge_checks").mkdir()
    shutil.copy(check.location, tmp_path / "judge_checks")
    assert expected.figures_text() in report_md(logs)
    # a directory without checks: neither grader has one
    assert report_md(logs, "--judge-checks", logs).count("no judge check for") == 2
    assert capsys.readouterr().err == ""
