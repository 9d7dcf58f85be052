"""``--model tinker/<model>``: Tinker's OpenAI-compatible sampling endpoint as an Inspect provider.

``<model>`` is a Tinker base model (``deepseek-ai/DeepSeek-V3.1``) or a checkpoint saved for
sampling (``tinker://<run>:train:0/sampler_weights/final``). The key is ``TINKER_API_KEY``; the
endpoint is Tinker's documented OpenAI-compatible base URL unless ``TINKER_BASE_URL``,
``--model-base-url`` or ``-M base_url=...`` says otherwise (tests point it at a local server).

Provider errors that a user must act on (unknown checkpoint, rate limit after retries, bad key)
are raised as :class:`TinkerError`, whose message is one line naming the model, the endpoint and
the cause. Rate limits are still retried by Inspect (``--max-retries`` / ``--timeout`` bound that).

This module stays cheap to import: it is loaded through the ``inspect_ai`` entry point
(``cc_evals._registry``); the OpenAI client is imported only when a tinker model is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.model import ModelAPI, modelapi

SERVICE = "tinker"
# https://tinker-docs.thinkingmachines.ai/compatible-apis/openai (OpenAI-compatible inference, beta)
TINKER_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod/oai/api/v1"
API_KEY_VAR = "TINKER_API_KEY"
BASE_URL_VAR = "TINKER_BASE_URL"

# what each status means on Tinker's endpoint, for the one-line message
STATUS_HINTS = {
    401: f"the API key was refused (check {API_KEY_VAR})",
    403: f"the API key may not use this model (check {API_KEY_VAR} and the checkpoint's owner)",
    404: "unknown model or checkpoint (a base model id from Tinker's model list, or a "
    "tinker://.../sampler_weights/... path saved for sampling)",
    429: "rate limited by Tinker, still after retrying (lower --max-connections, or raise "
    "--max-retries / --timeout)",
}


class TinkerError(RuntimeError):
    """A Tinker endpoint error, as one line: model, endpoint, HTTP status, cause, server text."""

    def __init__(self, model: str, base_url: str, status: int, detail: str) -> None:
        self.status = status
        hint = STATUS_HINTS.get(status, "request failed")
        detail = " ".join(detail.split())[:300]
        # ``message`` is what Inspect records as the eval error (inspect_ai exception_message)
        self.message = f"tinker model {model!r} at {base_url}: HTTP {status}: {hint}" + (
            f" (server said: {detail})" if detail else ""
        )
        super().__init__(self.message)


def provider_error_line(message: str, traceback: str) -> str:
    """The one line to show for an eval error: ours when a TinkerError is in the chain.

    After the retries for a rate limit are spent Inspect raises tenacity's ``RetryError``, whose
    own text names only a Future; the TinkerError it wraps is in the traceback.
    """
    for line in reversed(traceback.splitlines()):
        if "TinkerError: " in line:
            return line.split("TinkerError: ", 1)[1].strip()
    lines = message.strip().splitlines()
    return lines[0] if lines else ""


def _server_detail(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return fallback


@modelapi(name=SERVICE)
def tinker() -> type[ModelAPI]:
    from cc_evals._tinker_api import TinkerAPI

    return TinkerAPI


@dataclass(frozen=True)
class PublishedModel:
    """One fine-tune from tasks/published_models.yaml (see the file's header)."""

    model: str
    condition: str
    seed: int
    checkpoint: str | None
    source: str
    line: int

    @property
    def base_model(self) -> str:
        return f"{SERVICE}/{self.model}"

    @property
    def checkpoint_model(self) -> str | None:
        return f"{SERVICE}/{self.checkpoint}" if self.checkpoint else None

    def label(self) -> str:
        return f"{self.condition} seed {self.seed} of {self.model}"


def load_published_models(path: Path) -> list[PublishedModel]:
    """Parse a published-models file; every problem is a ``file:line:`` error."""
    from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require

    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list) or not raw["models"]:
        raise DatasetError(path, 1, "expected a mapping with a non-empty 'models' list")
    unknown = sorted(set(raw) - {"models", "sources", LINE_KEY})
    if unknown:
        raise DatasetError(path, raw.get(LINE_KEY), f"unknown key(s) {', '.join(unknown)}")
    out: list[PublishedModel] = []
    for row in raw["models"]:
        if not isinstance(row, dict):
            raise DatasetError(path, raw.get(LINE_KEY), "each entry is a mapping")
        line = row.get(LINE_KEY)
        extra = sorted(set(row) - {"model", "condition", "seed", "checkpoint", "source", LINE_KEY})
        if extra:
            raise DatasetError(path, line, f"unknown field(s) {', '.join(extra)}")
        checkpoint = row.get("checkpoint")
        if checkpoint is not None and not (
            isinstance(checkpoint, str) and checkpoint.startswith("tinker://")
        ):
            raise DatasetError(
                path, line, "checkpoint must be a tinker://... path, or null while unknown"
            )
        out.append(
            PublishedModel(
                model=require(row, "model", str, path),
                condition=require(row, "condition", str, path),
                seed=require(row, "seed", int, path),
                checkpoint=checkpoint,
                source=" ".join(require(row, "source", str, path).split()),
                line=int(line or 0),
            )
        )
    return out
