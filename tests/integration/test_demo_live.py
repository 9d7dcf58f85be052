"""``cc-evals demo`` for real: server started and stopped, logs written, toy judge announced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from cc_evals.cli import family_of, main
from cc_evals.demo import load_demo_spec
from cc_evals.judge import DEFAULT_GRADER


@pytest.mark.integration
def test_demo_runs_the_slice_and_flags_the_toy_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY", raising=False)
    log_dir = tmp_path / "logs"
    servers_before = _llama_servers()
    code = main(
        ["demo", "--limit", "1", "--epochs", "1", "--log-dir", str(log_dir), "--display", "none"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    spec = load_demo_spec()
    assert out.count("TOY JUDGE") == 2  # before and after the run
    for family in {family_of(e.task) for e in spec.entries}:
        assert f"== {family}" in out
    assert f"inspect view --log-dir {log_dir}" in out
    logs = [read_eval_log(info) for info in list_eval_logs(str(log_dir))]
    assert len(logs) == len(spec.entries)
    for log in logs:
        assert log.status == "success"
        meta = log.eval.metadata or {}
        assert meta["toy_judge"] is True and "NOT evidence" in meta["toy_judge_warning"]
        assert all(s.output.completion.strip() for s in log.samples or [])
    assert _llama_servers() == servers_before, "the demo left its server running"


def _llama_servers() -> set[int]:
    """Pids of llama_cpp.server processes of this user (to see that ours is gone)."""
    pids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if b"llama_cpp.server" in cmdline and entry.stat().st_uid == os.getuid():
                pids.add(int(entry.name))
        except OSError:
            continue
    return pids
