"""Conditions: which system prompt the model under test sees.

Every family takes ``condition`` and ``system_prompt`` task parameters and resolves them here,
so analysis can group any log by ``condition`` (recorded in task and sample metadata).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessageSystem
from inspect_ai.solver import Generate, Solver, TaskState, solver

from cc_evals.data import DatasetError, load_yaml, read_text, strip_lines
from cc_evals.paths import tasks_dir
from cc_evals.task_args import ArgSpec, check_value

CUSTOM = "custom"


@dataclass(frozen=True)
class Condition:
    name: str
    system_prompt: str | None
    source: str | None = None  # file the custom prompt came from, if any

    def solvers(self) -> list[Solver]:
        return [condition_prompt(self.system_prompt)] if self.system_prompt else []

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"condition": self.name, "system_prompt": self.system_prompt}
        if self.source:
            meta["system_prompt_file"] = self.source
        return meta


@solver
def condition_prompt(text: str) -> Solver:
    """Insert the condition's system prompt verbatim.

    Not Inspect's ``system_message()``: that one formats ``{placeholders}`` and reads path- or
    URL-like text as a resource, and a condition prompt must reach the model exactly as written.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        last_system = max(
            (i for i, m in enumerate(state.messages) if isinstance(m, ChatMessageSystem)),
            default=-1,
        )
        state.messages.insert(last_system + 1, ChatMessageSystem(content=text))
        return state

    return solve


@cache
def conditions() -> dict[str, Condition]:
    path = tasks_dir() / "conditions.yaml"
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected a mapping of condition name -> {system_prompt: ...}")
    out: dict[str, Condition] = {}
    for name, spec in strip_lines(raw).items():
        if not isinstance(spec, dict) or "system_prompt" not in spec:
            raise DatasetError(path, None, f"condition '{name}' needs a 'system_prompt' key")
        out[name] = Condition(name=name, system_prompt=spec["system_prompt"] or None)
    return out


def resolve_condition(condition: str = "vanilla", system_prompt: object = None) -> Condition:
    """Resolve ``-T condition=`` / ``-T system_prompt=`` into a Condition (errors are one line)."""
    if system_prompt is not None and not isinstance(system_prompt, str):
        # a value as the Inspect CLI parsed it (a list split on commas, or other YAML)
        system_prompt = check_value(ArgSpec("system_prompt", "text"), system_prompt)
    if isinstance(system_prompt, str) and system_prompt.strip():
        if condition not in ("vanilla", CUSTOM):
            raise ValueError(f"pass either condition={condition!r} or system_prompt=..., not both")
        return _custom(system_prompt)
    known = conditions()
    if condition == CUSTOM:
        raise ValueError("condition=custom needs -T system_prompt=<text or path to a file>")
    if condition not in known:
        raise ValueError(
            f"unknown condition {condition!r}; choose one of {', '.join(sorted(known))} "
            "or pass -T system_prompt=<text or path>"
        )
    return known[condition]


PROMPT_FILE_SUFFIXES = (".txt", ".md", ".prompt")


def _custom(value: str) -> Condition:
    """A custom prompt: the contents of an existing file, else the literal text.

    A one-line value that names a prompt file (suffix .txt/.md/.prompt, not a URL) but does not
    exist is an error rather than silently becoming the prompt text.
    """
    candidate = value.strip()
    single_line = "\n" not in candidate and len(candidate) < 1024
    path = Path(candidate).expanduser() if single_line else None
    if path is not None and path.is_file():
        text = read_text(path).strip()
        if not text:
            raise ValueError(f"system_prompt file is empty: {value}")
        return Condition(name=CUSTOM, system_prompt=text, source=str(path.resolve()))
    if (
        path is not None
        and "://" not in candidate
        and candidate.lower().endswith(PROMPT_FILE_SUFFIXES)
    ):
        raise FileNotFoundError(f"system_prompt file not found: {value}")
    return Condition(name=CUSTOM, system_prompt=candidate)
