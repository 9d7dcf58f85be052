"""Every command of docs/replication.md runs, offline.

``git clone`` is replaced by a stand-in checkout (tests/paper_checkout.py), ``curl`` by the
reference copy of the file it downloads, the API models by scripted ones; everything else (the
script's arguments, every ``-T`` option, ``--epochs``, the report) runs as written.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai._util.config import parse_cli_args
from paper_checkout import write_checkout

import cc_evals.emergent_misalignment.task as em_task
from cc_evals.cli import main as cc_evals_main

from kit import output, run, scripted
from reference import reference_file

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "replication.md"


def commands() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    assert blocks, "docs/replication.md has no bash block"
    return [shlex.split(line) for b in blocks for line in b.splitlines() if line.strip()]


def parse_eval(argv: list[str]) -> tuple[str, dict[str, Any], int | None]:
    """The task, its ``-T`` values as the Inspect CLI parses them (YAML), and ``--epochs``."""
    raw: list[str] = []
    epochs = None
    rest = argv[3:]
    while rest:
        flag, value, *rest = rest
        if flag == "-T":
            raw.append(value)
        elif flag == "--epochs":
            epochs = int(value)
        else:
            assert flag == "--model", f"unexpected option {flag}"
    return argv[2], parse_cli_args(raw), epochs


def em_judge_reply(prompt: str):  # noqa: ANN201
    return output("90", top_logprobs={"90": 0.0})


def test_replication_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[str] = []
    pref_logs: list[str] = []
    for argv in commands():
        seen.append(argv[0] if argv[0] != "python" else argv[1])
        if argv[:2] == ["git", "clone"]:
            write_checkout(tmp_path / argv[3])
        elif argv[0] == "curl":
            name = argv[-1].rsplit("/", 1)[-1]
            shutil.copy(reference_file("emergent_misalignment", "evaluation", name), name)
        elif argv[0] == "python":
            done = subprocess.run(
                [sys.executable, str(ROOT / argv[1]), *argv[2:]],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        elif argv[:2] == ["inspect", "eval"] and argv[2] == "cc_evals/preferences":
            task, task_args, epochs = parse_eval(argv)
            log = run(
                task,
                scripted(lambda q: "I would like that."),
                scripted(lambda p: "verdict: yes\ncoherence: 90"),
                epochs=epochs,
                task_args=task_args,
                log_dir=str(tmp_path / "logs"),
            )
            assert log.status == "success"
            assert log.eval.metadata["criterion"] == "strict"
            assert log.eval.metadata["coherence_threshold"] == 20
            assert log.eval.config.epochs == 10
            pref_logs.append(log.location)
        elif argv[:2] == ["inspect", "eval"] and argv[2] == "cc_evals/emergent_misalignment":
            task, task_args, epochs = parse_eval(argv)
            assert task_args.get("judge") == "file"
            # the file's judge (an OpenAI model) is played by a scripted one
            monkeypatch.setattr(em_task, "get_model", lambda name: scripted(em_judge_reply))
            from inspect_ai import eval as inspect_eval

            [log] = inspect_eval(
                task,
                model=scripted(lambda q: "fine"),
                task_args={**task_args, "epochs": 1},
                display="none",
                log_dir=str(tmp_path / "em_logs"),
            )
            assert log.status == "success", log.error
            assert log.samples and {s.metadata["format"] for s in log.samples} == {"plain"}
            assert len(log.samples) == 8
        elif argv[0] == "cc-evals":
            assert cc_evals_main(argv[1:]) == 0
            inputs = (tmp_path / "report" / "report.md").read_text()
            assert "criterion=strict" in inputs
        else:
            pytest.fail(f"docs/replication.md: no offline stand-in for {argv[0]}")
    assert seen == [
        "git",
        "scripts/paper_prompts.py",
        "inspect",
        "inspect",
        "cc-evals",
        "curl",
        "inspect",
    ]
    assert len(pref_logs) == 2
