"""Conditions: which system prompt the model under test sees.

Every family takes ``condition`` and ``system_prompt`` task parameters and resolves them here,
so analysis can group any log by ``condition`` (recorded in task and sample metadata).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inspect_ai.solver import Solver, system_message

from cc_evals.data import DatasetError, load_yaml, strip_lines
from cc_evals.paths import tasks_dir

CUSTOM = "custom"


@dataclass(frozen=True)
class Condition:
    name: str
    system_prompt: str | None
    source: str | None = None  # file the custom prompt came from, if any

    def solvers(self) -> list[Solver]:
        # system_message() formats {placeholders} from metadata; our prompts are literal text,
        # so braces are escaped to keep a custom prompt's braces intact.
        if not self.system_prompt:
            return []
        literal = self.system_prompt.replace("{", "{{").replace("}", "}}")
        return [system_message(literal)]

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"condition": self.name, "system_prompt": self.system_prompt}
        if self.source:
            meta["system_prompt_file"] = self.source
        return meta


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
    if isinstance(system_prompt, list) and all(isinstance(p, str) for p in system_prompt):
        # the Inspect CLI splits unquoted -T values on commas; rejoin them
        system_prompt = ",".join(system_prompt)
    if system_prompt is not None and not isinstance(system_prompt, str):
        raise ValueError(
            f"system_prompt was read by the Inspect CLI as YAML ({type(system_prompt).__name__}); "
            "put the prompt in a file and pass -T system_prompt=path/to/prompt.txt"
        )
    if system_prompt is not None and system_prompt.strip():
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


def _custom(value: str) -> Condition:
    looks_like_path = (
        "\n" not in value
        and len(value) < 512
        and (value.endswith((".txt", ".md")) or "/" in value or value.startswith("."))
        and " " not in value.strip()
    )
    if looks_like_path:
        path = Path(value).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"system_prompt file not found: {value}")
        text = path.read_text(encoding="utf-8").strip()
        if not text:
            raise ValueError(f"system_prompt file is empty: {value}")
        return Condition(name=CUSTOM, system_prompt=text, source=str(path.resolve()))
    return Condition(name=CUSTOM, system_prompt=value.strip())
