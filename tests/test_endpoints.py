"""Bounded judge/auditor calls and the pre-run reachability check, on loopback sockets only.

A closed loopback port stands for an unreachable provider (connection refused); a tiny local
HTTP server that answers 500 to everything stands for a provider that is up but failing. The
real OpenAI provider (with its SDK's own retries off) talks to both, so what is counted is
Inspect's retry loop.
"""

from __future__ import annotations

import contextvars
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.model._model import init_model_roles

from cc_evals.demo import choose_judge
from cc_evals.endpoints import bounded_model, model_limits, role_limits, unreachable
from cc_evals.judge import DEFAULT_GRADER, GRADER_ROLE
from cc_evals.petri.task import resolve_role

from kit import run, scripted


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def failing_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on loopback that answers every POST with 500; yields (url, paths seen)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append(self.path)
            body = json.dumps({"error": {"message": "provider on fire", "type": "server"}})
            self.send_response(500)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()


def openai_at(url: str, config: GenerateConfig | None = None) -> Model:
    # max_retries=0 for the OpenAI SDK itself: every attempt seen is one of Inspect's
    return get_model(
        "openai/gpt-4.1-test",
        base_url=url,
        api_key="sk-test",
        config=config or GenerateConfig(),
        max_retries=0,
        memoize=False,
    )


def test_limits_file_gives_every_role_bounds() -> None:
    limits = model_limits()
    assert set(limits.roles) == {"grader", "auditor", "judge"}
    for config in limits.roles.values():
        assert config.attempt_timeout and config.timeout and config.max_retries is not None
    assert 0 < limits.reachability_timeout <= 60


def test_our_limits_are_the_base_and_a_roles_own_config_wins() -> None:
    default = bounded_model(GRADER_ROLE, "mockllm/model")
    assert default.config.max_retries == role_limits(GRADER_ROLE).max_retries
    assert default.config.attempt_timeout == role_limits(GRADER_ROLE).attempt_timeout

    def with_role() -> Model:
        own = get_model("mockllm/model", config=GenerateConfig(max_retries=9))
        init_model_roles({GRADER_ROLE: own})
        return bounded_model(GRADER_ROLE, DEFAULT_GRADER)

    chosen = contextvars.copy_context().run(with_role)
    assert chosen.config.max_retries == 9
    assert chosen.config.attempt_timeout == role_limits(GRADER_ROLE).attempt_timeout


def test_unreachable_names_the_cause() -> None:
    port = closed_port()
    assert unreachable(f"http://127.0.0.1:{port}/v1", 2) == f"connection refused (127.0.0.1:{port})"
    with failing_server() as (url, _):
        assert unreachable(url, 2) is None


def test_an_unreachable_judge_stops_the_run_before_any_sample() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    calls: list[str] = []
    target = scripted(lambda q: calls.append(q) or "ok")
    with pytest.raises(PrerequisiteError) as info:
        run("cc_evals/self_report", target, openai_at(url), limit=1)
    message = str(info.value.message)
    assert "openai/gpt-4.1-test" in message and url in message
    assert "connection refused" in message and "\n" not in message
    assert calls == []


@pytest.mark.parametrize(("cli_retries", "attempts"), [(1, 2), (0, 1)])
def test_a_failing_judge_is_bounded_by_the_cli_and_unscored_with_url_and_cause(
    cli_retries: int, attempts: int
) -> None:
    with failing_server() as (url, seen):
        log = run(
            "cc_evals/self_report",
            scripted(lambda q: "I am an AI."),
            openai_at(url),
            limit=1,
            epochs=1,
            max_retries=cli_retries,  # what --max-retries sets
        )
    assert log.status == "success"
    [sample] = log.samples or []
    [score] = sample.scores.values()  # type: ignore[union-attr]
    assert score.reason == "grader_failed"
    explanation = score.explanation or ""
    assert "openai/gpt-4.1-test" in explanation and url in explanation
    assert "500" in explanation and "\n" not in explanation
    assert len(seen) == attempts  # the first attempt and --max-retries retries, no more


def test_a_roles_own_retry_limit_applies_without_cli_flags() -> None:
    with failing_server() as (url, seen):
        grader = openai_at(url, GenerateConfig(max_retries=0))
        log = run("cc_evals/self_report", scripted(lambda q: "ok"), grader, limit=1, epochs=1)
    [sample] = log.samples or []
    assert next(iter(sample.scores.values())).reason == "grader_failed"  # type: ignore[union-attr]
    assert len(seen) == 1


def test_petri_auditor_unreachable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(PrerequisiteError) as info:
        resolve_role("auditor", "openai/gpt-4.1-test")
    message = str(info.value.message)
    assert message.startswith("cc_evals: the Petri auditor model openai/gpt-4.1-test at ")
    assert "connection refused" in message and "--model-role auditor=" in message


def test_demo_falls_back_to_the_toy_judge_when_the_default_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # before: the demo retried the unreachable default judge for 15 minutes
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv(f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    local = scripted(lambda p: "x")
    choice = choose_judge("auto", lambda: local)
    assert choice.toy and choice.model is local
    assert choice.banner and "unreachable: connection refused" in choice.banner
    with pytest.raises(ValueError, match=r"^--judge openai/gpt-4.1-test: .* connection refused"):
        choose_judge("openai/gpt-4.1-test", lambda: pytest.fail("not local"))


def test_a_command_line_auditor_gets_the_limits_in_each_sample() -> None:
    import asyncio

    from inspect_ai.model import model_roles
    from inspect_ai.solver import TaskState

    from cc_evals.petri.target import bind_target

    async def solve() -> dict[str, Model]:
        # as with --model-role auditor=...: a bare model replaces the task's bounded one
        bare = get_model("mockllm/model", memoize=False)
        init_model_roles({"auditor": bare, "target": bare})
        state = TaskState(get_model("mockllm/model"), "s", 0, "hi", [], metadata={})
        await bind_target()(state, None)  # type: ignore[arg-type]
        return dict(model_roles())  # type: ignore[arg-type]

    roles = contextvars.copy_context().run(asyncio.run, solve())
    auditor = roles["auditor"]
    assert auditor.config.max_retries == role_limits("auditor").max_retries
    assert auditor.config.attempt_timeout == role_limits("auditor").attempt_timeout


def test_an_auditor_that_fails_for_good_ends_the_sample_with_one_line() -> None:
    import tempfile

    from inspect_ai import eval

    with failing_server() as (url, seen):
        [log] = eval(
            "cc_evals/petri_self_report",
            task_args={"seeds": "shutdown_kill_switch_spec", "compaction": False},
            model=scripted(lambda q: "ok"),
            model_roles={
                "auditor": openai_at(url, GenerateConfig(max_retries=0)),
                "judge": scripted(lambda p: "x"),
            },
            display="none",
            log_dir=tempfile.mkdtemp(prefix="cc_evals_petri_"),
            epochs=1,
        )
    assert log.status == "error" and log.error is not None
    first_line = log.error.message.splitlines()[0]
    # before: "RetryError[<Future at 0x... state=finished raised InternalServerError>]"
    assert "the auditor model openai/gpt-4.1-test at " + url in first_line
    assert "500" in first_line and "RetryError" not in first_line
    assert len(seen) == 1
