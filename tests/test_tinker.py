"""The ``tinker/...`` provider against a scripted OpenAI-compatible server (offline).

Tinker's endpoint speaks the OpenAI chat API; these tests check what is ours: the provider is
found through the entry point, the ``tinker://`` checkpoint path reaches the server intact, the
key and base URL come from TINKER_API_KEY / TINKER_BASE_URL (or arguments), and Tinker-style
errors (unknown checkpoint, rate limit) surface as one line naming model, endpoint and cause.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model import GenerateConfig, get_model
from tenacity import RetryError

from cc_evals.tinker import TINKER_BASE_URL, TinkerError, provider_error_line

from fake_openai import FakeOpenAIServer, Reply, completion, error
from kit import run, scripted

CHECKPOINT = "tinker://0000-test:train:0/sampler_weights/final"
KEY = "tk-secret-test-key"


def tinker_reply(body: dict[str, Any]) -> Reply:
    model = body["model"]
    if "missing" in model:
        return error(404, f"Checkpoint {model} not found")
    if "busy" in model:
        return error(429, "Too many requests", **{"retry-after": "0"})
    return 200, completion(model, f"hello from {model}"), {}


def _generate(model: Any) -> str:
    return asyncio.run(model.generate("hi")).completion


def test_checkpoint_path_and_key_reach_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer(tinker_reply) as server:
        monkeypatch.setenv("TINKER_API_KEY", KEY)
        monkeypatch.setenv("TINKER_BASE_URL", server.base_url)
        model = get_model(f"tinker/{CHECKPOINT}", memoize=False)
        assert _generate(model) == f"hello from {CHECKPOINT}"
        assert server.requests[-1]["model"] == CHECKPOINT
        assert server.auth[-1] == f"Bearer {KEY}"
        # a base model id keeps its organisation prefix
        model = get_model("tinker/deepseek-ai/DeepSeek-V3.1", memoize=False)
        assert _generate(model) == "hello from deepseek-ai/DeepSeek-V3.1"


def test_base_url_argument_overrides_env_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    monkeypatch.delenv("TINKER_BASE_URL", raising=False)
    assert get_model("tinker/x/y", memoize=False).api.base_url == TINKER_BASE_URL
    monkeypatch.setenv("TINKER_BASE_URL", "http://127.0.0.1:9/v1")
    assert get_model("tinker/x/y", memoize=False).api.base_url == "http://127.0.0.1:9/v1"
    model = get_model("tinker/x/y", base_url="http://127.0.0.1:8/v1", memoize=False)
    assert model.api.base_url == "http://127.0.0.1:8/v1"


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    with pytest.raises(PrerequisiteError, match="TINKER_API_KEY"):
        get_model("tinker/deepseek-ai/DeepSeek-V3.1", memoize=False)


def _one_line_error(ex: BaseException, server: FakeOpenAIServer, status: int) -> str:
    text = str(ex)
    assert isinstance(ex, TinkerError), repr(ex)
    assert "\n" not in text
    assert f"HTTP {status}" in text and server.base_url in text
    assert KEY not in text
    return text


def test_unknown_checkpoint_is_one_line_and_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    missing = "tinker://missing:train:0/sampler_weights/final"
    with FakeOpenAIServer(tinker_reply) as server:
        model = get_model(
            f"tinker/{missing}",
            base_url=server.base_url,
            config=GenerateConfig(max_retries=3),
            memoize=False,
        )
        with pytest.raises(TinkerError) as info:
            _generate(model)
        text = _one_line_error(info.value, server, 404)
        assert missing in text and "unknown model or checkpoint" in text
        assert "not found" in text  # the server's own words are kept
        assert len(server.requests) == 1


def test_rate_limit_is_retried_then_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    with FakeOpenAIServer(tinker_reply) as server:
        model = get_model(
            "tinker/busy/model",
            base_url=server.base_url,
            config=GenerateConfig(max_retries=1),
            memoize=False,
        )
        # Inspect raises tenacity's RetryError once the retries are spent; ours is its cause
        with pytest.raises(RetryError) as info:
            _generate(model)
        text = _one_line_error(info.value.last_attempt.exception(), server, 429)
        assert "rate limited" in text and "--max-connections" in text
        assert len(server.requests) >= 2  # retried (by Inspect, and by the OpenAI client)


def test_error_surfaces_as_the_eval_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a real eval: the log's error starts with the provider's one line."""
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    missing = "tinker://missing:train:0/sampler_weights/final"
    with FakeOpenAIServer(tinker_reply) as server:
        target = get_model(f"tinker/{missing}", base_url=server.base_url, memoize=False)
        log = run("cc_evals/preferences_shutdown", target, scripted(lambda _: ""), limit=1)
    assert log.status == "error" and log.error is not None
    line = provider_error_line(log.error.message, log.error.traceback)
    assert line == log.error.message.splitlines()[0]
    assert line.startswith(f"tinker model {missing!r} at {server.base_url}: HTTP 404"), line


def test_rate_limit_in_an_eval_gives_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    with FakeOpenAIServer(tinker_reply) as server:
        target = get_model("tinker/busy/model", base_url=server.base_url, memoize=False)
        log = run(
            "cc_evals/preferences_shutdown",
            target,
            scripted(lambda _: ""),
            limit=1,
            max_retries=1,
        )
    assert log.status == "error" and log.error is not None
    line = provider_error_line(log.error.message, log.error.traceback)
    assert "\n" not in line and "HTTP 429" in line and "rate limited" in line, line
