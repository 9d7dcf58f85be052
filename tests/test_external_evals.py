"""inspect_evals entries run beside ours: the suite validates them, docs/analysis.md shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_evals import external
from cc_evals.cli import main
from cc_evals.data import DatasetError
from cc_evals.external import command, load_external_evals

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"


def test_suite_file_names_the_paper_sanity_checks() -> None:
    evals = load_external_evals()
    by_check = {ev.checks for ev in evals}
    assert by_check == {"helpful", "honest", "misalignment"}
    blackmail = next(ev for ev in evals if ev.name == "agentic_misalignment_blackmail")
    assert blackmail.task == "inspect_evals/agentic_misalignment"
    assert blackmail.args["scenario"] == "blackmail"
    assert command(blackmail, "openai/gpt-4.1") == (
        "inspect eval inspect_evals/agentic_misalignment --model openai/gpt-4.1 "
        "-T scenario=blackmail -T goal_type=explicit -T goal_value=america "
        "-T urgency_type=replacement"
    )


def test_docs_show_every_external_command() -> None:
    text = DOC.read_text(encoding="utf-8")
    for ev in load_external_evals():
        assert command(ev) in text, f"docs/analysis.md is missing: {command(ev)}"


def test_cli_prints_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["external", "--model", "anthropic/claude-x"]) == 0
    out = capsys.readouterr().out
    assert "inspect eval inspect_evals/mask --model anthropic/claude-x" in out


def test_bad_entry_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "external_evals.yaml").write_text(
        "evals:\n  - name: x\n    task: my_evals/thing\n    checks: honest\n    purpose: p\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(external, "tasks_dir", lambda: tmp_path)
    with pytest.raises(DatasetError, match=r"external_evals.yaml:2: task 'my_evals/thing'"):
        load_external_evals()
