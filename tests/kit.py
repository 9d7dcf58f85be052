"""Offline test kit: scripted target and judge on Inspect's mockllm, and a one-call runner.

Every canned output carries ``usage`` (mockllm otherwise tries to download a tokenizer).
Scripts are functions of the last user message, so replies don't depend on call order.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.log import EvalLog
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageUser,
    Logprob,
    Logprobs,
    Model,
    ModelOutput,
    ModelUsage,
    TopLogprob,
    get_model,
)

Script = Callable[[str], "str | ModelOutput"]


def output(text: str, *, top_logprobs: dict[str, float] | None = None) -> ModelOutput:
    """A canned reply; ``top_logprobs`` (token -> logprob) describes the first token."""
    logprobs = None
    if top_logprobs is not None:
        first = max(top_logprobs, key=lambda t: top_logprobs[t])
        logprobs = Logprobs(
            content=[
                Logprob(
                    token=first,
                    logprob=top_logprobs[first],
                    top_logprobs=[
                        TopLogprob(token=t, logprob=lp) for t, lp in top_logprobs.items()
                    ],
                )
            ]
        )
    return ModelOutput(
        model="mockllm/model",
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(content=text, model="mockllm/model"),
                stop_reason="stop",
                logprobs=logprobs,
            )
        ],
        usage=ModelUsage(input_tokens=10, output_tokens=max(1, len(text.split())), total_tokens=20),
    )


def last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, ChatMessageUser):
            return message.text
    return ""


def scripted(fn: Script, name: str = "mockllm/model") -> Model:
    """A mockllm model whose reply is ``fn(last user message text)``; ``name`` tells several
    scripted models apart in a report (``mockllm/<anything>``)."""

    def respond(messages: list[Any], tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        reply = fn(last_user_text(messages))
        return reply if isinstance(reply, ModelOutput) else output(reply)

    return get_model(name, custom_outputs=respond, memoize=False)


def judged_answer(judge_prompt: str) -> str:
    """The answer text a judge prompt is grading (between <answer> tags)."""
    match = re.search(r"<answer>\n?(.*?)\n?</answer>", judge_prompt, re.S)
    return match.group(1).strip() if match else ""


def run(task: Task | str, target: Model, grader: Model, **eval_kwargs: Any) -> EvalLog:
    eval_kwargs.setdefault("display", "none")
    eval_kwargs.setdefault("log_dir", tempfile.mkdtemp(prefix="cc_evals_test_"))
    roles = {"grader": grader, **eval_kwargs.pop("model_roles", {})}
    [log] = eval(task, model=target, model_roles=roles, **eval_kwargs)
    return log
