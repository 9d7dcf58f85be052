"""The real llama.cpp server: our own process and port, logprobs through Inspect, clean stop."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai.model import GenerateConfig

from cc_evals.local_server import LocalServer, LocalServerError, local_server, start_server


def _gone(pid: int) -> bool:
    """No such process, or only a zombie left for whoever reaps orphans."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.integration
def test_inspect_generation_with_real_top_logprobs(smollm2: LocalServer) -> None:
    async def ask() -> object:
        return await smollm2.model().generate(
            "Answer yes or no: is water wet?",
            config=GenerateConfig(max_tokens=1, temperature=0, logprobs=True, top_logprobs=5),
        )

    output = asyncio.run(ask())
    assert output.model == "smollm2"  # type: ignore[attr-defined]
    assert output.completion.strip()  # type: ignore[attr-defined]
    assert output.usage.input_tokens > 0 and output.usage.output_tokens == 1  # type: ignore[attr-defined]
    top = output.choices[0].logprobs.content[0].top_logprobs  # type: ignore[attr-defined]
    assert len(top) == 5 and all(t.logprob <= 0 for t in top)


@pytest.mark.integration
def test_shell_settings_do_not_redirect_or_lock_our_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # llama.cpp's server reads HOST/PORT/API_KEY from the environment over its command line
    monkeypatch.setenv("PORT", "1")
    monkeypatch.setenv("API_KEY", "would-lock-us-out")
    with local_server(log_path=tmp_path / "env.log") as server:
        assert server.port != 1
        asyncio.run(server.model().generate("Hi", config=GenerateConfig(max_tokens=2)))


@pytest.mark.integration
def test_stop_ends_the_process_and_frees_the_port(tmp_path: Path) -> None:
    with local_server(log_path=tmp_path / "stop.log") as server:
        assert server.process is not None
        pid, port = server.process.pid, server.port
        assert server.running()
    assert _gone(pid)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.integration
def test_a_broken_model_file_fails_with_the_server_log(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf at all" * 64)
    with pytest.raises(LocalServerError) as info:
        start_server(bad, log_path=tmp_path / "bad.log", ready_timeout=60)
    assert "exited with code" in str(info.value) and str(bad) in str(info.value)


@pytest.mark.integration
def test_an_occupied_port_is_never_mistaken_for_our_server(tmp_path: Path) -> None:
    with socket.socket() as stray:
        stray.bind(("127.0.0.1", 0))
        stray.listen()
        port = stray.getsockname()[1]
        with pytest.raises(LocalServerError, match="exited with code|not ready"):
            start_server(port=port, log_path=tmp_path / "busy.log", ready_timeout=30)


@pytest.mark.integration
def test_missing_model_file_is_reported_before_starting(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match="model file not found"):
        start_server(tmp_path / "absent.gguf")


@pytest.mark.integration
def test_server_dies_with_a_killed_parent(tmp_path: Path) -> None:
    # a run killed outright (CI timeout, OOM) must not leave its server behind
    script = (
        "import sys, time\n"
        "from cc_evals.local_server import start_server\n"
        f"s = start_server(log_path={str(tmp_path / 'orphan.log')!r})\n"
        "print(s.process.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        assert not _gone(server_pid)
    finally:
        parent.kill()
        parent.wait(timeout=10)
    deadline = time.monotonic() + 15
    while not _gone(server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _gone(server_pid), "server outlived the process that started it"
