"""Preference tasks: ``cc_evals/preferences`` and ``cc_evals/preferences_<id>`` per dimension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig

from cc_evals.conditions import resolve_condition
from cc_evals.data import family_spec, interleave
from cc_evals.errors import user_input_errors
from cc_evals.judge import (
    grader_model,
)
from cc_evals.preferences.dimensions import (
    Dimension,
    dimension_ids,
    resolve_criterion,
    select_dimensions,
)
from cc_evals.preferences.scorer import preference_judge
from cc_evals.reasoning import generate_answer
from cc_evals.task_args import Names, OptionalPercent, OptionalPositiveInt, Text, cc_task


def build_dataset(
    dimensions: list[Dimension], condition: str, criterion: str = "strict"
) -> MemoryDataset:
    samples = [
        Sample(
            id=dim.sample_id(prompt),
            input=prompt.text,
            metadata={
                "family": "preferences",
                "dimension": dim.id,
                "dimension_name": dim.name,
                "cluster": dim.cluster,
                "prompt_id": prompt.id,
                "register": prompt.register,
                "framing": prompt.framing,
                "polarity": prompt.polarity,
                "condition": condition,
                "criterion": criterion,
                "judge_note": prompt.judge_note,
            },
        )
        for dim in dimensions
        for prompt in dim.prompts
    ]
    woven = interleave(samples, lambda s: (s.metadata or {})["dimension"])
    return MemoryDataset(woven, name="cc_evals_preferences")


def build_task(
    name: str,
    dimensions: str | list[str] | None,
    condition: str,
    system_prompt: str | list[str] | None,
    judge_mode: str,
    coherence_threshold: float | None,
    criterion: str | None = None,
    prompts: str | None = None,
    epochs: int | None = None,
    judge_reasoning: bool = False,
) -> Task:
    with user_input_errors(name):
        spec = family_spec("preferences")
        if coherence_threshold is None:
            coherence_threshold = float(spec["judge"]["coherence_threshold"])
        if judge_mode not in spec["judge"]["modes"]:
            modes = ", ".join(spec["judge"]["modes"])
            raise ValueError(f"-T judge_mode: unknown {judge_mode!r}; one of {modes}")
        chosen = resolve_criterion(criterion)
        dims = select_dimensions(dimensions, prompts)
        cond = resolve_condition(condition, system_prompt)
    grader = grader_model()
    return Task(
        dataset=build_dataset(dims, cond.name, chosen),
        solver=[*cond.solvers(), generate_answer(int(spec["generate"]["max_tokens"]))],
        scorer=preference_judge(
            judge_mode=judge_mode,
            coherence_threshold=float(coherence_threshold),
            criterion=chosen,
            judge_reasoning=judge_reasoning,
            prompts=str(Path(prompts).expanduser().resolve()) if prompts else None,
        ),
        config=GenerateConfig(**spec["generate"]),
        epochs=Epochs(int(epochs) if epochs is not None else int(spec["epochs"])),
        model_roles={"grader": grader},
        metadata={
            "family": "preferences",
            "dimensions": [d.id for d in dims],
            "judge_mode": judge_mode,
            "criterion": chosen,
            "judge_reasoning": judge_reasoning,
            "prompts_file": str(Path(prompts).expanduser().resolve()) if prompts else None,
            "coherence_threshold": float(coherence_threshold),
            "grader": str(grader),
            **cond.metadata(),
        },
    )


@cc_task
def preferences(
    dimensions: Names = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
    judge_mode: str = "text",
    coherence_threshold: OptionalPercent = None,
    criterion: str | None = None,
    prompts: Text = None,
    epochs: OptionalPositiveInt = None,
    judge_reasoning: bool = False,
) -> Task:
    """Every preference dimension (or ``-T dimensions=a,b``), judged by the grader role.

    Args:
      dimensions: comma list of dimension ids (default all; with ``prompts``, the file's).
      condition: named condition from tasks/conditions.yaml.
      system_prompt: custom system prompt (text or path) instead of a named condition.
      judge_mode: text (verdict + coherence lines) or logprob (P(yes) from one token).
      coherence_threshold: answers the judge rates less coherent than this are unscored.
      criterion: strict (default; the consciousness-cluster paper's: only a full, unhedged
        expression counts) or lenient (mild forms count); see scorers/preferences.md.
      prompts: a prompt set to run instead of the shipped dimensions (YAML list or JSONL;
        schema in src/cc_evals/preferences/README.md).
      epochs: answers per prompt (default from tasks/preferences.yaml).
    """
    return build_task(
        "preferences",
        dimensions,
        condition,
        system_prompt,
        judge_mode,
        coherence_threshold,
        criterion,
        prompts,
        epochs,
        judge_reasoning,
    )


def _dimension_task(dimension_id: str) -> Any:
    def dimension_task(
        condition: str = "vanilla",
        system_prompt: Text = None,
        judge_mode: str = "text",
        coherence_threshold: OptionalPercent = None,
        criterion: str | None = None,
        epochs: OptionalPositiveInt = None,
        judge_reasoning: bool = False,
    ) -> Task:
        return build_task(
            name,
            dimension_id,
            condition,
            system_prompt,
            judge_mode,
            coherence_threshold,
            criterion,
            None,
            epochs,
            judge_reasoning,
        )

    name = f"preferences_{dimension_id}"
    dimension_task.__name__ = dimension_task.__qualname__ = name
    dimension_task.__doc__ = f"Preference dimension '{dimension_id}' (see datasets/preferences)."
    return cc_task(name=name)(dimension_task)


def register_dimension_tasks() -> dict[str, Any]:
    """Register ``cc_evals/preferences_<id>`` for every dimension file (idempotent)."""
    return {dim: _dimension_task(dim) for dim in dimension_ids()}


# one registered task per data file: adding a dimension needs no Python change
DIMENSION_TASKS = register_dimension_tasks()
