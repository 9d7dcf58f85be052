"""What the analysis takes as input: killed runs, duplicates, foreign logs that look like ours."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from test_adapters import em_log, write_log

from cc_evals.cli import main
from cc_evals.results import load_results


def killed_log(path: Path) -> Path:
    """A log as a killed run leaves it: status started, no samples, no results."""
    write_log(path, "cc_evals/emergent_misalignment", {"family": "emergent_misalignment"}, [])
    log = read_eval_log(str(path))
    log.status = "started"
    log.results = None
    write_eval_log(log, str(path))
    return path


def test_report_lists_and_skips_a_killed_log_and_writes_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    em_log(logs / "em.eval")
    killed = killed_log(logs / "killed.eval")
    out = tmp_path / "report"
    assert main(["report", str(logs), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{killed}: skipped, no samples (status started" in err
    for name in ("tidy.csv", "summary.csv", "report.md", "report.html"):
        assert (out / name).is_file(), name
    md = (out / "report.md").read_text()
    assert f"Skipped 1 log(s) without samples: {killed}" in md
    assert str(killed) in (out / "report.html").read_text()
    results = load_results([logs])
    assert [i.path for i in results.empty] == [str(killed)]
    assert str(killed) not in set(results.table["log"].astype(str))


def test_gate_refuses_a_killed_log_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = em_log(tmp_path / "base" / "em.eval")
    killed = killed_log(tmp_path / "cand" / "killed.eval")
    em_log(tmp_path / "cand" / "em.eval")
    assert main(["gate", "--baseline", str(base), "--candidate", str(tmp_path / "cand")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(killed) in err[0] and "no samples" in err[0]


def test_only_killed_logs_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    killed = killed_log(tmp_path / "killed.eval")
    assert main(["report", str(killed), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no cc_evals log with samples" in err[0] and str(killed) in err[0]
