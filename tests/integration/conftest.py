"""Fixtures for tests against the real local SmolLM2 server (``pytest -m integration``).

These need ``cc-evals[local]`` (see scripts/install-local.sh). Without it they fail with the
install hint rather than skip: a skipped integration suite would look like a passing one.
Every server a test starts is stopped by the fixture (or the test's own ``with``), also on
failure, and every test runs under a wall-clock alarm so nothing can hang CI.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from cc_evals.local_server import LocalServer, local_server

# per-test wall-clock limit (seconds); the slowest test (kill + resume) needs ~2 min on 2 busy cores
TEST_TIME_LIMIT = 420


class IntegrationTimeout(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` in Inspect swallows it."""


@pytest.fixture(autouse=True)
def _time_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    limit = TEST_TIME_LIMIT

    def expire(signum: int, frame: FrameType | None) -> None:
        raise IntegrationTimeout(f"{request.node.nodeid} ran past its {limit}s limit")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def server_log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="cc_evals_server_logs_"))


@pytest.fixture(scope="session")
def smollm2(server_log_dir: Path) -> Iterator[LocalServer]:
    """One shared SmolLM2 server (logprobs on) for the tests that do not break it."""
    with local_server(log_path=server_log_dir / "shared.log") as server:
        yield server


@pytest.fixture
def own_smollm2(server_log_dir: Path, request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    """A server only this test uses (it may kill it); stopped afterwards whatever happened."""
    name = request.node.name.replace("/", "_")
    with local_server(log_path=server_log_dir / f"{name}.log") as server:
        yield server
