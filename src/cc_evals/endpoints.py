"""Bounded judge and auditor calls, and a reachability check before the first sample.

Inspect retries a failing model call forever unless its config says otherwise, and a stalled
attempt is only abandoned after ``attempt_timeout``. The suite's own models (the judge of every
family, role ``grader``; Petri's ``auditor`` and ``judge``) therefore get the limits in
``tasks/model_limits.yaml`` as their base config: a role's own config overrides them, and the
CLI's ``--max-retries`` / ``--timeout`` override both (Inspect hands those two to every role).

Before a task runs, :func:`check_reachable` opens one TCP connection to each such model's
endpoint (through the ``HTTPS_PROXY`` / ``HTTP_PROXY`` the client would use), so a wrong address
or a network outage fails the run in seconds with one line naming the model, the URL and the
cause, instead of retrying per sample. Models without a network endpoint (``mockllm``, local
in-process providers) are not checked.
"""

from __future__ import annotations

import socket
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from inspect_ai.model import GenerateConfig, Model, get_model
from tenacity import RetryError

from cc_evals._inspect import PrerequisiteError
from cc_evals.data import LINE_KEY, DatasetError, load_yaml
from cc_evals.paths import tasks_dir

LIMIT_FIELDS = ("attempt_timeout", "max_retries", "timeout")


@dataclass(frozen=True)
class ModelLimits:
    roles: dict[str, GenerateConfig]
    reachability_timeout: float


@cache
def model_limits() -> ModelLimits:
    """tasks/model_limits.yaml, checked: every value a positive integer (retries may be 0)."""
    path = tasks_dir() / "model_limits.yaml"
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("roles"), dict):
        raise DatasetError(path, 1, "expected 'roles' (role -> limits) and 'reachability_timeout'")
    roles: dict[str, GenerateConfig] = {}
    for role, limits in raw["roles"].items():
        if role == LINE_KEY:
            continue
        line = raw["roles"][LINE_KEY]
        if not isinstance(limits, dict):
            raise DatasetError(path, line, f"role {role!r}: expected {', '.join(LIMIT_FIELDS)}")
        values = {k: v for k, v in limits.items() if k != LINE_KEY}
        if set(values) != set(LIMIT_FIELDS):
            raise DatasetError(path, line, f"role {role!r}: give exactly {', '.join(LIMIT_FIELDS)}")
        for key, value in values.items():
            least = 0 if key == "max_retries" else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise DatasetError(
                    path, line, f"role {role!r}: {key} must be an integer >= {least}, got {value!r}"
                )
        roles[str(role)] = GenerateConfig(**values)
    timeout = raw.get("reachability_timeout")
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 60:
        raise DatasetError(path, raw[LINE_KEY], "reachability_timeout must be seconds in (0, 60]")
    return ModelLimits(roles=roles, reachability_timeout=float(timeout))


def role_limits(role: str) -> GenerateConfig:
    return model_limits().roles[role]


def bounded_model(role: str, default: str | Model | None = None) -> Model:
    """The model bound to ``role`` (else ``default``) with the role's limits as base config."""
    return get_model(role=role, default=default, config=role_limits(role))


def endpoint_url(model: Model) -> str | None:
    """The HTTP endpoint the model's provider calls, or None for a model without one."""
    api: Any = model.api
    client = getattr(api, "client", None)
    url = getattr(client, "base_url", None) or getattr(api, "base_url", None)
    if url is None:
        return None
    text = str(url)
    return text if urlsplit(text).scheme in ("http", "https") else None


def _connect_address(url: str) -> tuple[str, int, str]:
    """Host and port a client connects to for ``url`` (its proxy, if one applies), and a note."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return via.hostname or "", via.port or (443 if via.scheme == "https" else 80), " via proxy"
    return host, parts.port or (443 if parts.scheme == "https" else 80), ""


def _cause(ex: BaseException) -> str:
    """The root cause of a connection failure, in words."""
    seen: list[BaseException] = []
    current: BaseException | None = ex
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, RetryError):
            inner = current.last_attempt.exception()
            current = inner if inner is not None else current.__cause__
            continue
        current = current.__cause__ or current.__context__
    for err in reversed(seen):
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, socket.gaierror):
            return "host name not resolved"
        if isinstance(err, TimeoutError | socket.timeout):
            return "timed out"
        if type(err).__name__ == "AttemptTimeoutError":
            return "no reply within the attempt timeout"
    last = seen[-1] if seen else ex
    text = " ".join(str(last).split())
    return f"{type(last).__name__}: {text}"[:300] if text else type(last).__name__


def unreachable(url: str, timeout: float) -> str | None:
    """Why a TCP connection to the endpoint of ``url`` fails, or None if it opens."""
    host, port, via = _connect_address(url)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as ex:
        cause = _cause(ex)
        if cause == "timed out":
            cause = f"no answer within {timeout:g} s"
        return f"{cause} ({host}:{port}{via})"


def endpoint_problem(model: Model) -> str | None:
    """``<model> at <url> is unreachable: <cause>`` if a TCP connect to its endpoint fails."""
    url = endpoint_url(model)
    if url is None:
        return None
    problem = unreachable(url, model_limits().reachability_timeout)
    return f"{model} at {url} is unreachable: {problem}" if problem else None


def check_reachable(model: Model, what: str, hint: str) -> None:
    """Raise a one-line PrerequisiteError if ``model``'s endpoint cannot be reached."""
    problem = endpoint_problem(model)
    if problem is not None:
        raise PrerequisiteError(f"cc_evals: {what} {problem}. {hint}")


def call_failure(model: Model, ex: BaseException) -> str:
    """One line for a model call that failed for good: model, URL and cause."""
    url = endpoint_url(model)
    where = f" at {url}" if url else ""
    return f"{model}{where}: {_cause(ex)}"


def failed_call_role() -> tuple[str | None, str] | None:
    """(role, model name) of the current sample's last model call that failed, if any."""
    from inspect_ai.event import ModelEvent
    from inspect_ai.log import transcript

    for event in reversed(transcript().events):
        if isinstance(event, ModelEvent) and event.error is not None:
            return event.role, event.model
    return None


def exhausted(ex: BaseException) -> BaseException | None:
    """The model call in ``ex`` (or in its exception group) that ran out of retries or time."""
    if isinstance(ex, BaseExceptionGroup):
        for inner in ex.exceptions:
            found = exhausted(inner)
            if found is not None:
                return found
        return None
    if isinstance(ex, RetryError) or type(ex).__name__ == "AttemptTimeoutError":
        return ex
    return None
