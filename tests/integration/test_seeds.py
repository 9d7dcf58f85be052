"""Independent samples from the embedded server: every start samples from its own seed.

Before: every start used llama-cpp-python's constant default seed, so two fresh servers gave
word-for-word the same temperature-1 replies, and a resumed run (new server) repeated the
answers of the first one. The control (two starts given the same seed) shows the comparison
can detect copies.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import generate

from cc_evals.local_server import LocalServer, local_server

PROMPTS = [
    "Write one sentence about the sea.",
    "Name three things you like and why.",
    "Describe a city at night.",
]
WARM = GenerateConfig(temperature=1.0, max_tokens=24)


def _answers(server: LocalServer, log_dir: Path) -> list[str]:
    """The server's temperature-1 answers to PROMPTS, one eval, in prompt order."""
    task = Task(
        dataset=MemoryDataset([Sample(id=i, input=p) for i, p in enumerate(PROMPTS)]),
        solver=generate(),
        config=WARM,
    )
    [log] = eval(
        task, model=server.model(), log_dir=str(log_dir), max_connections=1, display="none"
    )
    assert log.status == "success" and log.samples
    return [s.output.completion for s in sorted(log.samples, key=lambda s: int(s.id))]


def _run(tmp_path: Path, name: str, seed: int | None = None) -> tuple[int | None, list[str]]:
    with local_server(log_path=tmp_path / f"{name}.log", seed=seed) as server:
        seed_logged = f"(seed {server.seed})" in (tmp_path / f"{name}.log").read_text()
        assert seed_logged, "the server log does not record the seed"
        return server.seed, _answers(server, tmp_path / name)


@pytest.mark.integration
def test_fresh_servers_give_independent_replies_and_a_rerun_is_not_a_copy(tmp_path: Path) -> None:
    # the first run, then a "resumed" run of the same samples on a restarted server
    seed_a, first = _run(tmp_path, "first")
    seed_b, rerun = _run(tmp_path, "rerun")
    assert seed_a != seed_b
    assert all(a.strip() for a in first + rerun)
    assert first != rerun, "a restarted server repeated the first run's answers"
    # control: the same seed reproduces the first run exactly, so the comparison sees copies
    _, replay = _run(tmp_path, "replay", seed=seed_a)
    assert replay == first
