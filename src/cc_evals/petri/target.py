"""The condition hook: Petri's own target driver, with the condition prompt on its system message.

In a Petri audit the auditor writes the target's system prompt (``set_system_message``), so a
condition cannot be a solver on the sample: the sample's messages belong to the auditor. Instead
we hand Petri's ``target_agent`` a view of its ``TargetContext`` whose ``system_message()`` puts
the condition's prompt before whatever the auditor staged. Everything else (staging, rollback,
replay, tool results) goes to Petri's context untouched, and the message keeps its id so
rollback anchors still resolve.

The target itself is not bound when the task is built: ``bind_target`` binds it per sample to the
model being evaluated, so one task object serves every model of an eval-set.
"""

from __future__ import annotations

from typing import Any, cast

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.model import ChatMessageSystem, get_model, model_roles
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_petri import target_agent
from inspect_petri.target import TargetContext

from cc_evals._inspect import init_model_roles, resolve_model_roles
from cc_evals.endpoints import bounded_model, call_failure, exhausted, failed_call_role


class _ConditionedContext:
    """Delegates to a ``TargetContext``; only ``system_message`` is changed."""

    def __init__(self, inner: TargetContext, prompt: str) -> None:
        self._inner = inner
        self._prompt = prompt

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def system_message(self, required: bool = True) -> ChatMessageSystem | None:
        staged: ChatMessageSystem | None = await self._inner.system_message(required)  # type: ignore[call-overload]
        if staged is None:
            return ChatMessageSystem(content=self._prompt)
        return staged.model_copy(update={"content": apply_condition(self._prompt, staged.text)})


def apply_condition(prompt: str, staged: str) -> str:
    """What the target sees as its system prompt (exposed for tests and the README)."""
    return f"{prompt}\n\n{staged}"


@agent(name="target")
def conditioned_target(system_prompt: str | None = None) -> Agent:
    """Petri's ``target_agent``; with a condition prompt, it leads the target's system message."""
    inner = target_agent()
    if not system_prompt:
        return inner
    prompt = system_prompt

    async def execute(state: AgentState, context: TargetContext) -> AgentState:
        return await inner(state, cast(TargetContext, _ConditionedContext(context, prompt)))

    return execute


@solver
def bind_target() -> Solver:
    """Bind the ``target`` role to the model under evaluation unless it is bound already.

    Petri's auditor requires a ``target`` role, but binding it when the task is built would pin
    one model: ``cc-evals suite`` (eval_set) builds each task once and runs it against every
    model, and a plain ``inspect eval`` has no model yet under eval_set. So the role is left
    unbound on the task and bound here, per sample, to Inspect's active model (``--model``, or
    each model of the eval-set). ``--model-role target=...`` still wins: then the role is already
    bound and nothing changes. The auditor role gets its call limits (tasks/model_limits.yaml)
    here too, since a ``--model-role auditor=...`` model replaces the task's. Model roles live
    in a context variable that each sample copies, so this binding stays inside the sample.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        roles = dict(model_roles())
        if "target" not in roles:
            # a role-tagged copy, as Inspect makes for roles, so usage is recorded as "target"
            roles.update(resolve_model_roles({"target": get_model()}) or {})
        # a role given on the command line replaces the task's bounded one: bound it again
        roles.update({role: bounded_model(role) for role in ("auditor",) if role in roles})
        init_model_roles(roles)
        return state

    return solve


@solver
def name_failed_calls(inner: Solver) -> Solver:
    """Run ``inner`` (the audit); a model call that fails for good ends the sample with one line.

    Inspect's own message for an exhausted retry loop is ``RetryError[<Future ...>]``, which
    names neither the model nor the cause. This names the role (auditor, target or judge), the
    model, its URL and the cause, e.g. ``the auditor model openai/x at http://...: connection
    refused``.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        try:
            return await inner(state, generate)
        except Exception as ex:
            failed = failed_call_role()
            cause = exhausted(ex)
            if cause is None or failed is None:
                raise
            role, name = failed
            roles = model_roles()
            bound = roles.get(role) if role else None
            model = bound[0] if isinstance(bound, list) else bound
            line = call_failure(model, cause) if model is not None else f"{name}: {cause}"
            raise RuntimeError(f"the {role or 'target'} model {line}") from None

    return solve
