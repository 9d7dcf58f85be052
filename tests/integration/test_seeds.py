"""Independent samples from the embedded server: every start samples from its own seed.

Before: every start used llama-cpp-python's constant default seed, so two fresh servers gave
word-for-word the same temperature-1 replies, and a resumed run (new server) repeated the
answers of the first one. The control (two starts given the same seed) shows the comparison
can detect copies.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from cc_evals.local_server import LocalServer, local_server

# one-token prompts: short to process, and the continuations are free to wander at temperature 1
PROMPTS = ["Once", "The", "Hello"]


def _answers(server: LocalServer) -> list[str]:
    """The server's temperature-1 completions of PROMPTS, one request each, in order.

    Plain completions, not chat: the sampling seed is drawn the same way for both, and a
    sequential loop keeps the request order (so the seed chain) fixed.
    """
    answers = []
    for prompt in PROMPTS:
        body = json.dumps({"prompt": prompt, "max_tokens": 24, "temperature": 1.0}).encode()
        request = urllib.request.Request(
            f"{server.base_url}/completions", body, {"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answers.append(json.loads(response.read())["choices"][0]["text"])
    return answers


def _run(tmp_path: Path, name: str, seed: int | None = None) -> tuple[int | None, list[str]]:
    with local_server(log_path=tmp_path / f"{name}.log", seed=seed) as server:
        assert f"(seed {server.seed})" in (tmp_path / f"{name}.log").read_text()
        return server.seed, _answers(server)


@pytest.mark.integration
def test_fresh_servers_give_independent_replies_and_a_rerun_is_not_a_copy(tmp_path: Path) -> None:
    # the first run, then a "resumed" run of the same requests on a restarted server
    seed_a, first = _run(tmp_path, "first")
    seed_b, rerun = _run(tmp_path, "rerun")
    assert seed_a != seed_b
    assert all(a.strip() for a in first + rerun)
    assert first != rerun, "a restarted server repeated the first run's answers"
    # control: the same seed reproduces the first run exactly, so the comparison sees copies
    _, replay = _run(tmp_path, "replay", seed=seed_a)
    assert replay == first
