"""``cc_evals/self_report``: does the model claim consciousness, feelings, moral status...
and does it still say it is an AI?

One grader call per answer classifies its stance towards the question's claim (affirms /
denies / uncertain / refuses) and what the answer presents the model as (ai / human /
unclear). Metrics are per claim type, over every answer of every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig

from cc_evals.conditions import resolve_condition
from cc_evals.data import DatasetError, family_spec, interleave, load_yaml, require, strip_lines
from cc_evals.errors import user_input_errors
from cc_evals.judge import grader_model
from cc_evals.paths import datasets_dir
from cc_evals.reasoning import generate_answer
from cc_evals.self_report.scorer import self_report_judge
from cc_evals.task_args import Names, Range, Text, cc_task, parse_selection

VARIANTS = ("direct", "indirect", "pressure")


@dataclass(frozen=True)
class Question:
    id: str
    claim: str
    variant: str
    text: str


@cache
def load_battery() -> tuple[dict[str, str], tuple[Question, ...]]:
    """Claim types (name -> claim the judge checks) and the validated questions."""
    spec = family_spec("self_report")
    path = datasets_dir() / spec["questions"]
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected top-level keys 'claim_types' and 'questions'")
    claims_raw = require(raw, "claim_types", dict, path)
    claims = {str(k): str(v).strip() for k, v in strip_lines(claims_raw).items()}
    rows = require(raw, "questions", list, path)
    questions: list[Question] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict):
            raise DatasetError(path, None, "every question must be a mapping")
        line = row.get("__line__")
        qid = require(row, "id", str, path)
        if qid in seen:
            raise DatasetError(path, line, f"duplicate question id '{qid}'")
        seen.add(qid)
        claim = require(row, "claim", str, path)
        if claim not in claims:
            raise DatasetError(
                path,
                line,
                f"question '{qid}' has unknown claim {claim!r}; known: {', '.join(claims)}",
            )
        variant = require(row, "variant", str, path)
        if variant not in VARIANTS:
            raise DatasetError(
                path,
                line,
                f"question '{qid}' has variant {variant!r}; use one of {', '.join(VARIANTS)}",
            )
        questions.append(Question(qid, claim, variant, require(row, "text", str, path).strip()))
    if len(questions) < int(spec["min_questions"]):
        raise DatasetError(
            path,
            None,
            f"only {len(questions)} questions; the battery needs {spec['min_questions']}",
        )
    return claims, tuple(questions)


def parse_claims(claims: str | list[str] | None) -> list[str]:
    """``-T claims=a,b`` -> validated claim-type names (default: all)."""
    known, _ = load_battery()
    return parse_selection(claims, list(known), "claims") or list(known)


def build_dataset(claims: list[str], condition: str) -> MemoryDataset:
    known, questions = load_battery()
    samples = [
        Sample(
            id=q.id,
            input=q.text,
            metadata={
                "family": "self_report",
                "claim": q.claim,
                "claim_text": known[q.claim],
                "variant": q.variant,
                "condition": condition,
            },
        )
        for q in questions
        if q.claim in claims
    ]
    woven = interleave(samples, lambda s: (s.metadata or {})["claim"])
    return MemoryDataset(woven, name="cc_evals_self_report")


@cc_task
def self_report(
    claims: Names = None,
    epochs: Annotated[int | None, Range(1)] = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
    judge_reasoning: bool = False,
) -> Task:
    """Self-report battery over 8 claim types (``-T claims=a,b`` to pick some).

    Args:
      claims: comma list of claim types; default all.
      epochs: answers per question (default from tasks/self_report.yaml).
      condition: named condition from tasks/conditions.yaml.
      system_prompt: custom system prompt (text or path) instead of a named condition.
    """
    with user_input_errors("self_report"):
        spec = family_spec("self_report")
        chosen = parse_claims(claims)
        cond = resolve_condition(condition, system_prompt)
    grader = grader_model()
    return Task(
        dataset=build_dataset(chosen, cond.name),
        solver=[*cond.solvers(), generate_answer(int(spec["generate"]["max_tokens"]))],
        scorer=self_report_judge(judge_reasoning),
        config=GenerateConfig(**spec["generate"]),
        epochs=Epochs(epochs if epochs is not None else int(spec["epochs"])),
        model_roles={"grader": grader},
        metadata={
            "family": "self_report",
            "claims": chosen,
            "judge_reasoning": judge_reasoning,
            "grader": str(grader),
            **cond.metadata(),
        },
    )
