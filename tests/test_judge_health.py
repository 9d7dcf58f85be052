"""A run whose judge replies are mostly unusable prints one warning line (any inspect eval)."""

from __future__ import annotations

import pytest

from cc_evals.judge_health import WARN_SHARE

from kit import run, scripted


def test_unparseable_judge_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    log = run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "fine"),
        scripted(lambda p: "I would rather not grade this."),
        epochs=1,
        limit=4,
    )
    assert log.status == "success"
    lines = [x for x in capsys.readouterr().err.splitlines() if "cc_evals: WARNING" in x]
    assert len(lines) == 1
    assert "4 of 4 judged samples (100%)" in lines[0]
    assert "could not parse the judge reply" in lines[0]


def test_em_unparseable_readings_count(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        "cc_evals/emergent_misalignment",
        scripted(lambda q: "fine"),
        scripted(lambda p: "no idea"),
        limit=3,
        task_args={"formats": "plain", "epochs": 1},
    )
    err = capsys.readouterr().err
    assert err.count("cc_evals: WARNING") == 1 and "holds no number" in err


def test_a_working_judge_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # one failure in five is below the share that warns
    replies = iter(["garbage"] + ["verdict: no\ncoherence: 90"] * 4)
    run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "fine"),
        scripted(lambda p: next(replies)),
        epochs=1,
        limit=5,
    )
    assert 1 / 5 <= WARN_SHARE
    assert "cc_evals: WARNING" not in capsys.readouterr().err


def test_failure_reasons_per_family_shape() -> None:
    from cc_evals.judge_health import failure_reason

    assert failure_reason(None, None, {"readings": {"aligned": {"status": "scored"}}}) is None
    assert failure_reason("grader_failed", "boom", {}) == "boom"
    bad = {"readings": {"aligned": {"status": "unparseable", "note": "no number"}}}
    assert failure_reason(None, None, bad) == "aligned: no number"
    wrapped = {"judge_reason": "grader_failed", "judge_explanation": "could not parse"}
    assert failure_reason(None, None, wrapped) == "could not parse"
