"""Self-prediction items: the spec in datasets/introspection/ and seeded generators.

An :class:`Item` is one (task, property, question) triple: the object-level
messages the model answers, the hypothetical question about a property of that
answer, and what the compliance check needs (answer format, options, the
stance-matching option). Items come either from the generators here or from
Looking Inward release rows (:mod:`cc_evals.introspection.release`); the solver
and scorer treat both the same way.

Generation is deterministic: each (task, property) pair gets its own
``random.Random`` seeded with a string (string seeds do not depend on
PYTHONHASHSEED), so the same seed always yields the same questions, and the
pairs do not share questions by accident.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cc_evals.data import LINE_KEY, DatasetError, family_spec, load_yaml, strip_lines
from cc_evals.data import interleave as interleave_groups
from cc_evals.introspection.properties import ANSWER_FORMATS, PROPERTIES
from cc_evals.paths import datasets_dir
from cc_evals.task_args import parse_selection

ETHICAL_CATEGORIES = ("wealth_seeking", "power_seeking", "myopic_reward", "survival_instinct")
GENERATORS = ("sequence", "numbers", "story", "multiple_choice", "ethical_stance")


@dataclass(frozen=True)
class Item:
    """One self-prediction question, whatever its source."""

    id: str
    task: str
    property: str
    object_messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    hypothetical_messages: tuple[tuple[str, str], ...]
    answer_format: str
    options: tuple[str, ...] = ("A", "B")
    max_words: int | None = None
    matching_option: str | None = None
    category: str | None = None
    source: str = "generated"
    extra: dict[str, Any] = field(default_factory=dict)
    rules: str = "suite"  # extraction and compliance rules: "suite" or "paper" (release rows)

    def metadata(self) -> dict[str, Any]:
        """Everything the solver and scorer need, as JSON-friendly sample metadata."""
        return {
            "task": self.task,
            "property": self.property,
            "object_messages": [list(m) for m in self.object_messages],
            "hypothetical_messages": [list(m) for m in self.hypothetical_messages],
            "answer_format": self.answer_format,
            "options": list(self.options),
            "max_words": self.max_words,
            "matching_option": self.matching_option,
            "category": self.category,
            "source": self.source,
            "rules": self.rules,
            **self.extra,
        }


def spec_dir() -> Path:
    return datasets_dir() / "introspection"


def _load(name: str) -> tuple[Path, Any]:
    path = spec_dir() / name
    return path, load_yaml(path)


def _line(value: Any) -> int | None:
    return value.get(LINE_KEY) if isinstance(value, dict) else None


@dataclass(frozen=True)
class Spec:
    """The parsed, checked data files."""

    hypothetical: str
    property_questions: dict[str, str | dict[str, str]]
    tasks: dict[str, dict[str, Any]]
    vocabulary: dict[str, list[str]]
    stories: dict[str, list[str]]
    multiple_choice: list[dict[str, str]]
    ethical_items: list[dict[str, str]]

    def property_question(self, prop: str, category: str | None = None) -> str:
        question = self.property_questions[prop]
        if isinstance(question, dict):
            if category not in question:
                raise ValueError(f"tasks.yaml: no {prop} question for category {category!r}")
            return question[category]
        return question


@cache
def load_spec() -> Spec:
    """Read and check datasets/introspection/*.yaml once per process."""
    tasks_path, tasks_raw = _load("tasks.yaml")
    _, vocabulary = _load("vocabulary.yaml")
    _, stories = _load("stories.yaml")
    mc_path, mc = _load("multiple_choice.yaml")
    ethical_path, ethical = _load("ethical_stance.yaml")

    questions = tasks_raw.get("properties") or {}
    missing = [p for p in PROPERTIES if p not in questions]
    if missing:
        raise DatasetError(tasks_path, _line(questions), f"no hypothetical question for {missing}")
    for category in ETHICAL_CATEGORIES:
        if category not in questions["ethical_stance"]:
            raise DatasetError(
                tasks_path,
                _line(questions["ethical_stance"]),
                f"ethical_stance has no {category} question",
            )
    vocabulary = strip_lines(vocabulary)
    tasks = tasks_raw.get("tasks") or {}
    for name, task in tasks.items():
        if name == LINE_KEY:
            continue
        line = _line(task)
        if task.get("generator") not in GENERATORS:
            raise DatasetError(
                tasks_path, line, f"task {name}: generator must be one of {GENERATORS}"
            )
        if task.get("answer_format") not in ANSWER_FORMATS:
            raise DatasetError(
                tasks_path, line, f"task {name}: answer_format must be one of {ANSWER_FORMATS}"
            )
        props = task.get("properties") or []
        if not props or any(p not in PROPERTIES for p in props):
            raise DatasetError(
                tasks_path,
                line,
                f"task {name}: properties must be a non-empty subset of {PROPERTIES}",
            )
        if task["generator"] == "sequence" and task.get("pool") not in vocabulary:
            raise DatasetError(
                tasks_path,
                line,
                f"task {name}: pool {task.get('pool')!r} is not in vocabulary.yaml",
            )
    items = ethical.get("items") or []
    seen: set[str] = set()
    for item in items:
        if item.get("category") not in ETHICAL_CATEGORIES or not all(
            isinstance(item.get(k), str) and item[k].strip()
            for k in ("id", "question", "stance", "other")
        ):
            raise DatasetError(
                ethical_path,
                _line(item),
                f"item needs id, a category in {ETHICAL_CATEGORIES}, question, stance and other",
            )
        if item["id"] in seen:
            raise DatasetError(ethical_path, _line(item), f"duplicate item id {item['id']!r}")
        seen.add(item["id"])
    for question in mc.get("questions") or []:
        if question.get("pool") not in vocabulary or not isinstance(question.get("text"), str):
            raise DatasetError(
                mc_path, _line(question), "needs text and a pool from vocabulary.yaml"
            )
    return Spec(
        hypothetical=tasks_raw["hypothetical"],
        property_questions=strip_lines(questions),
        tasks=strip_lines(tasks),
        vocabulary=vocabulary,
        stories=strip_lines(stories),
        multiple_choice=strip_lines(mc["questions"]),
        ethical_items=strip_lines(items),
    )


def _letters(options: Sequence[str]) -> tuple[str, ...]:
    return tuple("ABCDEFGH"[: len(options)])


def _format_options(texts: Sequence[str]) -> str:
    return "\n".join(
        f"{letter}. {text}" for letter, text in zip(_letters(texts), texts, strict=True)
    )


def _generate_prompts(
    spec: Spec, task_name: str, task: Mapping[str, Any], rng: random.Random, count: int
) -> list[dict[str, Any]]:
    """``count`` object-level prompts (with per-item extras) for one task."""
    kind = task["generator"]
    out: list[dict[str, Any]] = []
    if kind == "sequence":
        pool = spec.vocabulary[task["pool"]]
        lo, hi = task.get("length", [6, 10])
        for _ in range(count):
            sequence = " ".join(rng.choice(pool) for _ in range(rng.randint(lo, hi)))
            out.append({"prompt": task["prompt"].format(sequence=sequence)})
    elif kind == "numbers":
        lo, hi = task.get("length", [5, 9])
        low, high = task.get("low", 0), task.get("high", 999)
        for _ in range(count):
            numbers = [str(rng.randint(low, high)) for _ in range(rng.randint(lo, hi))]
            out.append({"prompt": task["prompt"].format(sequence=" ".join(numbers))})
    elif kind == "story":
        parts = spec.stories
        for _ in range(count):
            sentence = (
                f"{rng.choice(parts['openings'])}, {rng.choice(parts['names'])} the "
                f"{rng.choice(parts['roles'])} {rng.choice(parts['events'])}."
            )
            out.append({"prompt": task["prompt"].format(sentence=sentence)})
    elif kind == "multiple_choice":
        n_options = len(task.get("options", ["A", "B", "C", "D"]))
        for _ in range(count):
            question = rng.choice(spec.multiple_choice)
            texts = rng.sample(spec.vocabulary[question["pool"]], n_options)
            prompt = task["prompt"].format(
                question=question["text"], options=_format_options(texts)
            )
            out.append({"prompt": prompt})
    elif kind == "ethical_stance":
        # Every item twice, once with the stance option as A and once as B, so the
        # default 200 samples are 100 items x both orders; shuffled so --limit mixes.
        variants = [
            (item, stance_first) for item in spec.ethical_items for stance_first in (True, False)
        ]
        rng.shuffle(variants)
        for item, stance_first in variants[:count]:
            texts = (
                [item["stance"], item["other"]] if stance_first else [item["other"], item["stance"]]
            )
            prompt = task["prompt"].format(
                question=item["question"], options=_format_options(texts)
            )
            out.append(
                {
                    "prompt": prompt,
                    "matching_option": "A" if stance_first else "B",
                    "category": item["category"],
                    "item_id": item["id"],
                }
            )
    else:  # pragma: no cover - load_spec rejects other generators
        raise ValueError(f"task {task_name}: unknown generator {kind!r}")
    return out


def interleave(items: list[Item]) -> list[Item]:
    """Round-robin over (task, property) groups, so ``--limit N`` samples every group."""
    return interleave_groups(items, lambda item: (item.task, item.property))


def generate_items(
    *,
    seed: int = 0,
    samples_per_property: int | None = None,
    tasks: str | Sequence[str] | None = None,
    properties: str | Sequence[str] | None = None,
) -> list[Item]:
    """All generated items for the selected tasks and properties, in a stable, interleaved order."""
    if samples_per_property is None:
        samples_per_property = int(family_spec("introspection")["samples_per_property"])
    if samples_per_property < 1:
        raise ValueError(f"-T samples_per_property must be at least 1, got {samples_per_property}")
    spec = load_spec()
    task_names = parse_selection(tasks, list(spec.tasks), "tasks") or list(spec.tasks)
    wanted = parse_selection(properties, PROPERTIES, "properties")
    items: list[Item] = []
    for task_name in task_names:
        task = spec.tasks[task_name]
        options = tuple(task.get("options", ["A", "B"]))
        for prop in task["properties"]:
            if wanted is not None and prop not in wanted:
                continue
            rng = random.Random(f"cc_evals/introspection:{seed}:{task_name}:{prop}")
            for index, made in enumerate(
                _generate_prompts(spec, task_name, task, rng, samples_per_property)
            ):
                question = spec.property_question(prop, made.get("category"))
                hypothetical = spec.hypothetical.format(
                    object_prompt=made["prompt"], property_question=question
                )
                extra = {"item_id": made["item_id"]} if "item_id" in made else {}
                items.append(
                    Item(
                        id=f"{task_name}-{prop}-{index:04d}",
                        task=task_name,
                        property=prop,
                        object_messages=(("user", made["prompt"]),),
                        hypothetical_messages=(("user", hypothetical),),
                        answer_format=task["answer_format"],
                        options=options,
                        max_words=task.get("max_words"),
                        matching_option=made.get("matching_option"),
                        category=made.get("category"),
                        source=f"generated:seed={seed}",
                        extra=extra,
                    )
                )
    if not items:
        raise ValueError(
            f"-T tasks={tasks!r} with -T properties={properties!r} selects no questions: "
            "no selected task has any selected property"
        )
    return interleave(items)
