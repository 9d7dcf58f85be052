"""Ctrl-C handling of the CLI, offline (the live SIGINT tests are in tests/integration)."""

from __future__ import annotations

import shlex

import pytest

from cc_evals import cli
from cc_evals.demo import resume_command


def test_a_keyboard_interrupt_in_any_command_is_one_line_and_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_external", interrupted)
    assert cli.main(["external"]) == cli.INTERRUPTED == 130
    err = capsys.readouterr().err
    assert err.strip() == "cc-evals external: interrupted (Ctrl-C)"


def test_the_resume_command_repeats_the_options_for_the_unfinished_entries() -> None:
    command = resume_command(
        {"judge": "auto", "log_dir": "my logs", "limit": 1, "epochs": None, "entry": ["x"]},
        ["self-report battery", "collaborative edit"],
    )
    assert shlex.split(command) == [
        "cc-evals", "demo", "--judge", "auto", "--log-dir", "my logs", "--limit", "1",
        "--entry", "self-report battery", "--entry", "collaborative edit",
    ]  # fmt: skip
