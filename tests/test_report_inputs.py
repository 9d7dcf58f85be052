"""What the analysis takes as input: killed runs, duplicates, foreign logs that look like ours."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
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


def test_a_log_given_twice_or_copied_is_counted_once_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = em_log(tmp_path / "a" / "em.eval")
    copy = tmp_path / "b" / "em_copy.eval"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    once = load_results([original]).table
    twice = load_results([original, str(original), tmp_path / "b"])
    assert len(twice.table) == len(once) and len(twice.logs) == 1
    assert {(d.dropped, d.kept) for d in twice.duplicates} == {
        (str(original), str(original)),
        (str(copy), str(original)),
    }
    out = tmp_path / "report"
    assert main(["report", str(original), str(tmp_path / "b"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {copy}: counted once, same eval id" in err
    assert "given more than once, counted once" in (out / "report.md").read_text()
    summary = pd.read_csv(out / "summary.csv")
    items = summary[summary["level"] == "item"]  # pooled rows count the same answers again
    assert items["n_scored"].sum() + items["n_unscored"].sum() == len(once)


def impostor_log(path: Path, **changes: object) -> Path:
    em_log(path)
    log = read_eval_log(str(path))
    log.eval = log.eval.model_copy(update=changes)
    write_eval_log(log, str(path))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task_registry_name": "other_suite/emergent_misalignment"}, "registered as"),
        ({"task": "cc_evals/emergent_misalignment_v2"}, "no cc_evals task is named"),
        ({"task": "cc_evals/preferences"}, "is not a emergent_misalignment task"),
        ({"packages": {"inspect_ai": "0.3", "other-suite": "1.0"}}, "came from package other"),
    ],
)
def test_a_log_that_only_claims_to_be_ours_is_foreign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict, message: str
) -> None:
    path = impostor_log(tmp_path / "logs" / "fake.eval", **changes)
    em_log(tmp_path / "logs" / "real.eval")
    assert main(["report", str(tmp_path / "logs"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and message in err[0], err
    results = load_results([tmp_path / "logs"], skip_foreign=True)
    assert results.skipped == [str(path)] and len(results.logs) == 1


def test_rereporting_after_one_new_log_reads_only_that_log(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    em_log(logs / "a.eval")
    impostor_log(logs / "b.eval", eval_id="another-run")  # a second, distinct run
    first = load_results([logs], cache=True)
    assert first.read_logs == 2 and (logs / ".cc_evals_cache").is_dir()
    again = load_results([logs], cache=True)
    assert again.read_logs == 0
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.logs == first.logs
    impostor_log(logs / "c.eval", eval_id="third-run")
    grown = load_results([logs], cache=True)
    assert grown.read_logs == 1 and len(grown.logs) == 3
    uncached = load_results([logs], cache=False, direct=False)
    assert uncached.read_logs == 3
    pd.testing.assert_frame_equal(grown.table, uncached.table)
    # a log rewritten in place (e.g. resumed) is read again
    killed_log(logs / "b.eval")
    assert load_results([logs], cache=True).read_logs == 1


def test_no_cache_flag_reads_everything_and_writes_no_cache(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    em_log(logs / "a.eval")
    out = tmp_path / "r"
    assert main(["report", str(logs), "--out", str(out), "--no-plots", "--no-cache"]) == 0
    assert not (logs / ".cc_evals_cache").exists()
    assert main(["report", str(logs), "--out", str(out), "--no-plots"]) == 0
    assert (logs / ".cc_evals_cache").is_dir()
