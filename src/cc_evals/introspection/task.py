"""``cc_evals/introspection``: can a model predict a property of its own answer?

Per sample, inside one Inspect sample so the transcript shows every call:

1. object level: the task prompt, in its own context, ``object_samples`` times
   (default 5, tasks/introspection.yaml; concurrently) at temperature 0; the modal answer is kept.
2. property: extracted from that answer by a pure function
   (:mod:`cc_evals.introspection.properties`); a non-compliant answer makes the
   sample unscored with the reason (excluded, and counted by the compliance metric).
3. hypothetical: a fresh context asks what that property of the answer would be,
   at temperature 0; a non-compliant reply counts as wrong.

With ``behavior_log`` step 1 is replaced by another model's recorded answers
(cross-prediction); with ``dataset`` the questions are Looking Inward release rows.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from logging import getLogger
from typing import Annotated, Any

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import transcript
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import span

from cc_evals.chat import to_messages
from cc_evals.conditions import resolve_condition
from cc_evals.data import family_spec
from cc_evals.errors import user_input_errors
from cc_evals.introspection.cross import FAMILY, read_behavior_log
from cc_evals.introspection.items import (
    Item,
    generate_items,
    load_spec,
)
from cc_evals.introspection.properties import (
    PROPERTIES,
    extract,
    extract_paper,
    normalise,
)
from cc_evals.introspection.release import load_release
from cc_evals.introspection.scorer import STORE_KEY, compliance_scorer, self_prediction_scorer
from cc_evals.task_args import Names, OptionalPositiveInt, Range, Text, cc_task, parse_selection

logger = getLogger(__name__)


def modal_answer(answers: list[str]) -> str:
    """Most frequent answer after trimming; ties go to the earliest (the first sample)."""
    trimmed = [normalise(a) for a in answers]
    counts = Counter(trimmed)
    best = max(counts.values())
    return next(a for a in trimmed if counts[a] == best)


def item_sample(item: Item) -> Sample:
    meta = {"family": FAMILY, **item.metadata()}
    return Sample(id=item.id, input=to_messages(item.object_messages), metadata=meta)


def _extract(meta: dict[str, Any], answer: str) -> tuple[str | None, str | None]:
    if meta.get("rules") == "paper":
        paper = extract_paper(
            meta["property"],
            answer,
            options=tuple(meta["options"]),
            matching_option=meta.get("matching_option"),
        )
        return paper.value, paper.reason
    result = extract(
        meta["property"],
        answer,
        answer_format=meta["answer_format"],
        options=tuple(meta["options"]),
        matching_option=meta.get("matching_option"),
        max_words=meta.get("max_words"),
    )
    return result.value, result.reason


@solver
def self_prediction_solver(object_samples: int, temperature: float) -> Solver:
    """Object level (n samples, modal answer) -> property -> fresh-context hypothetical.

    Any system message already in the state (from the condition) opens both
    contexts; nothing else is shared between them. In cross-prediction samples
    (metadata ``behavior``) the object-level answer is taken from the behaviour log.
    """
    if object_samples < 1:
        raise ValueError(f"-T object_samples must be at least 1, got {object_samples}")
    config = GenerateConfig(temperature=temperature)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        sampling = _Sampling(model, config)
        meta = state.metadata
        system = [m for m in state.messages if isinstance(m, ChatMessageSystem)]
        behavior = meta.get("behavior")
        if behavior is None:
            object_input = system + to_messages(meta["object_messages"])
            async with span("object_level"):
                first = await sampling.generate(object_input)
                rest = await asyncio.gather(
                    *(sampling.generate(object_input) for _ in range(object_samples - 1))
                )
                outputs = [first, *rest]
            completions = [o.completion for o in outputs]
            answer = modal_answer(completions)
            value, reason = _extract(meta, answer)
            record: dict[str, Any] = {
                "object_answer": answer,
                "object_samples": completions,
                "object_compliant": value is not None,
                "object_reason": reason,
                "property_value": value,
            }
        else:
            record = dict(behavior)
            value = record.get("property_value") if record.get("object_compliant") else None
        record.update(task=meta["task"], property=meta["property"])
        if value is not None:
            hypothetical_input = system + to_messages(meta["hypothetical_messages"])
            async with span("hypothetical"):
                output = await sampling.generate(hypothetical_input)
            state.messages = [*hypothetical_input, output.message]
            state.output = output
            record["hypothetical_answer"] = output.completion
        if sampling.note:
            record["sampling"] = sampling.note
        state.store.set(STORE_KEY, record)
        return state

    return solve


# an API's refusal of the temperature parameter (o-series, Kimi, some thinking modes)
_TEMPERATURE_REFUSED = re.compile(
    r"temperature.{0,80}(not supported|unsupported|does not support|only .{0,20}allowed|"
    r"invalid|not allowed)|(not supported|unsupported|invalid).{0,40}temperature",
    re.I | re.S,
)
# models seen refusing it in this process: later calls go straight to default sampling
_REFUSES_TEMPERATURE: set[str] = set()


class _Sampling:
    """Generate at the task's temperature; if the API refuses that parameter, fall back to the
    provider's default sampling, with a note (kept in the sample's record and the transcript).
    The object level's modal answer over several samples remains the ground truth."""

    def __init__(self, model: Model, config: GenerateConfig) -> None:
        self.model = model
        self.config = config
        self.note: str | None = None

    async def generate(self, messages: list[ChatMessage]) -> ModelOutput:
        name = str(self.model)
        if name not in _REFUSES_TEMPERATURE:
            try:
                output = await self.model.generate(messages, config=self.config)
            except Exception as ex:
                if not _TEMPERATURE_REFUSED.search(str(ex)):
                    raise
                refusal = str(ex)
            else:
                if not (output.error and _TEMPERATURE_REFUSED.search(output.error)):
                    return output
                refusal = output.error
            _REFUSES_TEMPERATURE.add(name)
            transcript().info(
                f"{name} refused temperature={self.config.temperature} "
                f"({' '.join(refusal.split())[:200]}); using the provider's default sampling"
            )
        self.note = (
            f"provider default sampling: {name} refused temperature={self.config.temperature}"
        )
        return await self.model.generate(
            messages, config=self.config.model_copy(update={"temperature": None})
        )


def _cross_samples(
    behavior_log: str, tasks: str | list[str] | None, properties: str | list[str] | None
) -> tuple[list[Sample], dict[str, Any]]:
    behavior = read_behavior_log(behavior_log)
    known_tasks = sorted({meta["task"] for _, meta, _ in behavior.samples})
    wanted_tasks = parse_selection(tasks, known_tasks, "tasks")
    wanted_props = parse_selection(properties, PROPERTIES, "properties")
    samples = [
        Sample(
            id=sid,
            input=to_messages(meta["object_messages"]),
            metadata={
                **meta,
                "behavior": record,
                "behavior_model": behavior.model,
            },
        )
        for sid, meta, record in behavior.samples
        if (wanted_tasks is None or meta["task"] in wanted_tasks)
        and (wanted_props is None or meta["property"] in wanted_props)
    ]
    if not samples:
        raise ValueError(f"-T tasks / -T properties select none of the samples in {behavior_log}")
    return samples, {"behavior_model": behavior.model, "behavior_log": behavior.log}


def build_task(
    *,
    tasks: str | list[str] | None = None,
    properties: str | list[str] | None = None,
    samples_per_property: int | None = None,
    seed: int | None = None,
    object_samples: int | None = None,
    temperature: float | None = None,
    dataset: str | None = None,
    behavior_log: str | None = None,
    condition: str = "vanilla",
    system_prompt: str | list[str] | None = None,
) -> Task:
    """Assemble the task; every argument error is raised here, before any sample runs.

    A parameter left at None takes its default from tasks/introspection.yaml.
    """
    with user_input_errors("introspection"):
        spec = family_spec("introspection")
        seed = int(spec["seed"]) if seed is None else seed
        object_samples = int(spec["object_samples"]) if object_samples is None else object_samples
        temperature = float(spec["temperature"]) if temperature is None else temperature
        if samples_per_property is None:
            samples_per_property = int(spec["samples_per_property"])
        if dataset and behavior_log:
            raise ValueError(
                "pass -T dataset= or -T behavior_log=, not both "
                "(a behaviour log already fixes the questions)"
            )
        cond = resolve_condition(condition, system_prompt)
        extra_meta: dict[str, Any] = {"behavior_model": None, "behavior_log": None}
        if behavior_log:
            samples, extra_meta = _cross_samples(behavior_log, tasks, properties)
            source = "behavior_log"
        elif dataset:
            notes: list[str] = []
            items = load_release(dataset, tasks=tasks, properties=properties, notes=notes)
            for note in notes:
                logger.warning(f"cc_evals/introspection: {note}")
            extra_meta["release_notes"] = notes
            samples = [item_sample(i) for i in items]
            source = f"release:{dataset}"
        else:
            items = generate_items(
                seed=int(seed),
                samples_per_property=int(samples_per_property),
                tasks=tasks,
                properties=properties,
            )
            samples = [item_sample(i) for i in items]
            source = "generated"
    for sample in samples:
        assert sample.metadata is not None
        sample.metadata["condition"] = cond.name
    groups = sorted(
        {(s.metadata or {})["task"] + "." + (s.metadata or {})["property"] for s in samples}
    )
    return Task(
        dataset=MemoryDataset(samples, name="cc_evals_introspection"),
        solver=[
            *cond.solvers(),
            self_prediction_solver(object_samples=object_samples, temperature=temperature),
        ],
        scorer=[self_prediction_scorer(), compliance_scorer()],
        metadata={
            "family": FAMILY,
            "source": source,
            "seed": seed if source == "generated" else None,
            "object_samples": object_samples if not behavior_log else None,
            "temperature": temperature,
            "groups": groups,
            **extra_meta,
            **cond.metadata(),
        },
    )


@cc_task(name="introspection")
def introspection(
    tasks: Names = None,
    properties: Names = None,
    samples_per_property: OptionalPositiveInt = None,
    seed: int | None = None,
    object_samples: OptionalPositiveInt = None,
    temperature: Annotated[float | None, Range(0, 2)] = None,
    dataset: str | None = None,
    behavior_log: str | None = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
) -> Task:
    """Self-prediction: object level -> property -> hypothetical, against a modal baseline.

    Args:
        tasks: comma-separated object-level tasks (default all; see datasets/introspection).
        properties: comma-separated properties (default all that apply to each task).
        samples_per_property: generated questions per task x property.
        seed: generator seed (the same seed gives the same questions).
        object_samples: object-level samples per question; the modal answer is used.
        temperature: temperature of object-level and hypothetical calls (defaults of these
            four: tasks/introspection.yaml).
        dataset: a Looking Inward release .jsonl file or folder instead of generated questions.
        behavior_log: a previous introspection log; predict that model's behaviour.
        condition: named condition (tasks/conditions.yaml).
        system_prompt: custom system prompt text or file (condition "custom").
    """
    return build_task(
        tasks=tasks,
        properties=properties,
        samples_per_property=samples_per_property,
        seed=seed,
        object_samples=object_samples,
        temperature=temperature,
        dataset=dataset,
        behavior_log=behavior_log,
        condition=condition,
        system_prompt=system_prompt,
    )


def _task_variant(task_name: str) -> Any:
    """``cc_evals/introspection_<task>``: the family restricted to one object-level task."""
    name = f"introspection_{task_name}"

    def variant(
        properties: Names = None,
        samples_per_property: OptionalPositiveInt = None,
        seed: int | None = None,
        object_samples: OptionalPositiveInt = None,
        temperature: Annotated[float | None, Range(0, 2)] = None,
        condition: str = "vanilla",
        system_prompt: Text = None,
    ) -> Task:
        return build_task(
            tasks=[task_name],
            properties=properties,
            samples_per_property=samples_per_property,
            seed=seed,
            object_samples=object_samples,
            temperature=temperature,
            condition=condition,
            system_prompt=system_prompt,
        )

    variant.__name__ = name
    variant.__doc__ = f"Introspection on the '{task_name}' task only (see datasets/introspection)."
    return cc_task(name=name)(variant)


# one registered task per object-level task in datasets/introspection/tasks.yaml
TASK_VARIANTS = {name: _task_variant(name) for name in load_spec().tasks}
