"""Ctrl-C on the long commands, for real: SIGINT to a ``cc-evals`` subprocess.

Each must exit 130, say what finished and how to go on, and leave no llama.cpp server behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_evals.judge import DEFAULT_GRADER

SRC = Path(__file__).resolve().parents[2] / "src"


def _spawn(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "cc_evals.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        start_new_session=True,  # the SIGINT goes to this process only
        # Ctrl-C as at a terminal: a SIGINT ignored by this process (a shell's background job
        # ignores it) would be inherited, and Python then installs no KeyboardInterrupt handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _lines_until(process: subprocess.Popen[str], pattern: str, limit_s: float) -> Iterator[str]:
    """Stdout lines up to and including the first that matches ``pattern``."""
    assert process.stdout is not None
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        yield line
        if re.search(pattern, line):
            return
    raise AssertionError(f"no line matching {pattern!r} within {limit_s}s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not running: read its state
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return state not in ("Z", "X")


def _interrupt(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.mark.integration
@pytest.mark.parametrize("delay_s", [3, 20])  # Inspect reacts differently early and later
def test_ctrl_c_on_the_demo_exits_130_says_what_finished_and_stops_the_server(
    tmp_path: Path, delay_s: int
) -> None:
    # before: the first Ctrl-C exited 0 with no summary and a `cancelled` log
    process = _spawn(
        ["demo", "--limit", "1", "--epochs", "1", "--log-dir", "logs", "--display", "none"],
        tmp_path,
    )
    try:
        seen = "".join(_lines_until(process, r"TOY JUDGE", 180))
        pid = int(re.search(r"\(pid (\d+)\)", seen).group(1))  # type: ignore[union-attr]
        assert _alive(pid)
        time.sleep(delay_s)  # the eval is under way
        code, out, err = _interrupt(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 130, out + err
    assert "cc-evals demo: interrupted (Ctrl-C); the local server is stopped." in err
    assert "finished:" in err and "not finished:" in err
    resume = re.search(r"run the rest: (cc-evals demo .*)", err)
    assert resume and "--entry" in resume.group(1) and "--limit 1" in resume.group(1)
    assert not _alive(pid), "the demo left its server running"


@pytest.mark.integration
def test_ctrl_c_on_serve_exits_130_and_stops_the_server(tmp_path: Path) -> None:
    process = _spawn(["serve"], tmp_path)
    try:
        "".join(_lines_until(process, r"stop with Ctrl-C", 180))
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        code, out, err = _interrupt(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 130, out + err
    assert "cc-evals serve: interrupted (Ctrl-C); the server is stopped" in err
    assert children and not any(_alive(int(pid)) for pid in children)
