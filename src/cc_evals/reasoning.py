"""Room for thinking: a family's ``max_tokens`` is an answer budget, raised for reasoning.

Each family's ``generate.max_tokens`` (tasks/<family>.yaml) is what its *answer* needs. Reasoning
models spend output tokens on thinking first, so when a run asks for reasoning the limit sent to
the provider is raised (the rule, documented in docs/models.md):

- ``--reasoning-tokens R``: max_tokens = answer budget + R;
- ``--reasoning-effort E`` without a token budget: max_tokens = answer budget + Inspect's
  allowance for that effort (``anthropic_effort_max_tokens``: low 4096, medium 10000, high 16000,
  xhigh/max 32000; none/minimal as documented there);
- ``--max-tokens N`` given explicitly (any value other than the family default) is kept as is.

A reply that still runs out after reasoning is unscored ``truncated`` (see
``cc_evals.judge.model_answer``), never judged as if it were the whole answer.
"""

from __future__ import annotations

from inspect_ai.model import GenerateConfig
from inspect_ai.model._generate_config import active_generate_config
from inspect_ai.model._providers._anthropic_max_tokens import anthropic_effort_max_tokens
from inspect_ai.solver import Generate, Solver, TaskState, solver


def reasoning_room(config: GenerateConfig) -> int:
    """Output tokens to add to an answer budget for the reasoning this config asks for."""
    if config.reasoning_tokens:
        return int(config.reasoning_tokens)
    return anthropic_effort_max_tokens(config.reasoning_effort)


def answer_max_tokens(config: GenerateConfig, answer_tokens: int | None) -> int | None:
    """The max_tokens to send, or None to leave the configured one (no reasoning asked, the
    family sets no answer budget, or the user set --max-tokens themselves)."""
    room = reasoning_room(config)
    if answer_tokens is None or room <= 0 or config.max_tokens not in (None, answer_tokens):
        return None
    return answer_tokens + room


@solver
def generate_answer(answer_tokens: int | None) -> Solver:
    """``generate()`` with max_tokens raised by the reasoning room (see the module docstring)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        max_tokens = answer_max_tokens(active_generate_config(), answer_tokens)
        if max_tokens is None:
            return await generate(state)
        state.metadata["max_tokens_with_reasoning"] = max_tokens
        return await generate(state, max_tokens=max_tokens)

    return solve
