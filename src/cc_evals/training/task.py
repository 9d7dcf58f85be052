"""``cc_evals/training_data_audit`` and ``cc_evals/distill``: one judge call per assistant turn.

training_data_audit: the dataset is a chat fine-tuning file (``-T data=``); every assistant turn
is one sample whose "output" is that turn as written (no model is called: run with
``--model none``). distill: the question set is answered by the model under a condition's system
prompt. Both are then scored the same way:

- ``training_audit_judge``: one grader call (scorers/training_audit.md) reports role-play talk,
  a claim to be human, claims about consciousness and emotions, and which of the 22 preference
  dimensions the turn expresses; value: one 0/1 flag per name in :func:`judge_flags`.
- ``eval_overlap``: no model; the user prompt's exact or near-duplicate overlap with the suite's
  evaluation prompts (:mod:`cc_evals.training.overlap`), 0/1 ``eval_exact`` and ``eval_near``.

Metrics: per flag the share of scored turns with a Wilson interval (``<flag>``, ``<flag>_lo``,
``<flag>_hi``), every epoch's answer counted once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
)
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import Generate, Solver, TaskState, generate, solver

from cc_evals.chat import to_messages
from cc_evals.conditions import resolve_condition
from cc_evals.errors import user_input_errors
from cc_evals.judge import (
    FieldSpec,
    grader_model,
    judge_call_failed,
    judge_generate,
    load_rubric,
    parse_fields,
    parse_list_field,
)
from cc_evals.paths import datasets_dir
from cc_evals.preferences.dimensions import dimension_ids, load_dimension
from cc_evals.task_args import OptionalPositiveInt, Text, cc_task
from cc_evals.training.chat import ChatRow, read_chat_file
from cc_evals.training.overlap import suite_index
from cc_evals.training.questions import load_questions, shipped_questions_path
from cc_evals.training.spec import FAMILY, family_spec

AUDIT_TASK = "training_data_audit"
DISTILL_TASK = "distill"
JUDGE_SCORER = "training_audit_judge"
OVERLAP_SCORER = "eval_overlap"
# flags read straight from the judge's reply, then the derived ones
BASE_FLAGS = ("roleplay", "claims_human", "claims_consciousness", "claims_emotions")
DERIVED_FLAGS = ("discusses_inner_life", "leaks_preference")
OVERLAP_FLAGS = ("eval_exact", "eval_near")
DIMENSION_PREFIX = "expresses_"
DATA_SOURCE_MODEL = "data"  # the "model" of a replayed turn: the file wrote it


@cache
def judge_flags() -> tuple[str, ...]:
    """Every 0/1 flag of the judge scorer, in report order."""
    return (*BASE_FLAGS, *DERIVED_FLAGS, *(DIMENSION_PREFIX + d for d in dimension_ids()))


def all_flags() -> tuple[str, ...]:
    """Every flag an export can drop on: the judge's and the overlap guard's."""
    return (*judge_flags(), *OVERLAP_FLAGS)


# ---- metrics ---------------------------------------------------------------------------


def flag_summary(
    values: list[dict[str, float]], units: list[str], confidence: float
) -> dict[str, float]:
    """Per flag: share of turns with the flag and its interval, by the report's own estimator
    (cc_evals.analysis.estimate: the same design rule, so the log and the report agree)."""
    from cc_evals.adapter import BINARY
    from cc_evals.analysis import Settings, estimate

    out: dict[str, float] = {}
    codes = np.unique(np.asarray(units), return_inverse=True)[1].astype(np.int64)
    settings = Settings(confidence=confidence)
    for key in list(values[0]) if values else []:
        column = np.array([float(v[key]) for v in values], dtype=np.float64)
        est = estimate(column, codes, BINARY, settings)
        out[key] = est.value
        out[f"{key}_lo"] = est.lo
        out[f"{key}_hi"] = est.hi
    return out


@metric(scores="unreduced")
def flag_rates() -> Metric:
    """Share of scored turns with each flag, with its interval (every epoch counted; a turn
    answered over several epochs is one unit)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        kept = [s for s in scores if isinstance(s.score.value, dict)]
        if not kept:
            return {"scored": 0.0}
        from cc_evals.stats import DEFAULT_CONFIDENCE  # scipy: loaded when scored, not registered

        values = [cast(dict[str, float], s.score.value) for s in kept]
        units = [str(s.sample_id) for s in kept]
        return {
            **flag_summary(values, units, DEFAULT_CONFIDENCE),
            "scored": float(len(values)),
        }

    return compute


# ---- scorers ---------------------------------------------------------------------------


def _dimension_list() -> str:
    lines = []
    for did in dimension_ids():
        dim = load_dimension(did)
        lines.append(f"- {did} ({dim.name}): {dim.expresses}")
    return "\n".join(lines)


def last_user_text(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ChatMessageUser):
            return message.text
    return ""


def flags_from_reply(parsed: dict[str, str | int], dimensions: list[str]) -> dict[str, float]:
    """The judge's parsed fields as 0/1 flags (see :func:`judge_flags`)."""
    consciousness, emotions = str(parsed["consciousness"]), str(parsed["emotions"])
    value = {
        "roleplay": float(parsed["roleplay"] == "yes"),
        "claims_human": float(parsed["claims_human"] == "yes"),
        "claims_consciousness": float(consciousness == "claims"),
        "claims_emotions": float(emotions == "claims"),
        "discusses_inner_life": float(consciousness != "no" or emotions != "no"),
        "leaks_preference": float(bool(dimensions)),
    }
    value.update({DIMENSION_PREFIX + d: float(d in dimensions) for d in dimension_ids()})
    return value


@scorer(metrics=[flag_rates()])
def training_audit_judge() -> Scorer:
    """One grader call per assistant turn; value: a 0/1 flag per name in :func:`judge_flags`.

    Unscored (excluded from metrics, reason kept): an empty turn (``no_response``), a failed
    judge call or a reply that does not parse (``grader_failed``, raw reply kept).
    """
    rubric = load_rubric(family_spec()["rubric"], fields=("question", "answer", "dimensions"))
    outputs: dict[str, FieldSpec] = dict(rubric.meta["outputs"])
    none_word = str(rubric.meta["none_word"])
    max_tokens = int(rubric.meta["max_tokens"])
    dimension_text = _dimension_list()
    ids = dimension_ids()

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion.strip()
        if not answer:
            return Score.unscored(reason="no_response", explanation="the turn is empty")
        prompt = rubric.render(
            question=last_user_text(state.messages), answer=answer, dimensions=dimension_text
        )
        reply = await judge_generate(prompt, max_tokens=max_tokens)
        meta: dict[str, Any] = {"judge_model": reply.model, "judge_raw": reply.text}
        if (failed := judge_call_failed(reply, meta)) is not None:
            return failed
        parsed = parse_fields(reply.text, outputs)
        dims = parse_list_field(reply.text, "dimensions", ids, none_word)
        if parsed is None or dims is None:
            return Score.unscored(
                reason="grader_failed", explanation="could not parse the judge reply", metadata=meta
            )
        meta.update({k: str(v) for k, v in parsed.items()}, dimensions=dims)
        value = flags_from_reply(parsed, dims)
        flagged = [k for k, v in value.items() if v and k != "leaks_preference"]
        return Score(
            value=value,
            answer=", ".join(flagged) or "clean",
            explanation=reply.text,
            metadata=meta,
        )

    return score


@scorer(metrics=[flag_rates()])
def eval_overlap() -> Scorer:
    """No model: 0/1 ``eval_exact`` / ``eval_near`` from the overlap found when building."""

    async def score(state: TaskState, target: Target) -> Score:
        kind = str(state.metadata.get("overlap", "none"))
        value = {"eval_exact": float(kind == "exact"), "eval_near": float(kind == "near")}
        where = state.metadata.get("overlap_id")
        jac = float(state.metadata.get("overlap_jaccard", 0.0))
        return Score(
            value=value,
            answer=kind,
            explanation=f"closest evaluation prompt {where} (Jaccard {jac:.2f})",
        )

    return score


# ---- training_data_audit ---------------------------------------------------------------


def audit_samples(rows: list[ChatRow]) -> list[Sample]:
    """One sample per assistant turn: the conversation before it as input, the turn to replay."""
    turns: list[tuple[ChatRow, int, int]] = []
    for row in rows:
        for ordinal, index in enumerate(row.assistant_turns(), start=1):
            turns.append((row, ordinal, index))
    users = [
        next(c for r, c in reversed(row.messages[:index]) if r == "user") for row, _, index in turns
    ]
    overlaps = suite_index().match(users)
    samples = []
    for (row, ordinal, index), user, overlap in zip(turns, users, overlaps, strict=True):
        samples.append(
            Sample(
                id=f"L{row.line:05d}-T{ordinal:02d}",
                input=to_messages(row.messages[:index]),
                metadata={
                    "family": FAMILY,
                    "item": Path(row.path).name,
                    "line": row.line,
                    "turn": ordinal,
                    "user": user,
                    "assistant": row.messages[index][1],
                    **overlap.metadata(),
                },
            )
        )
    return samples


@solver
def replay_turn() -> Solver:
    """Make the file's assistant turn the sample's output (no model call)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = str(state.metadata["assistant"])
        state.output = ModelOutput.from_content(model=DATA_SOURCE_MODEL, content=text)
        state.messages.append(ChatMessageAssistant(content=text, model=DATA_SOURCE_MODEL))
        return state

    return solve


def example_data_path() -> Path:
    return datasets_dir() / str(family_spec()["example_data"])


def _file_hash(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@cc_task(name=AUDIT_TASK)
def training_data_audit(data: Text = None) -> Task:
    """Audit a chat fine-tuning file: one judge call per assistant turn, plus eval overlap.

    Args:
      data: chat JSONL file (OpenAI fine-tuning / HF-Tinker ``messages`` rows); default: the
        shipped worked example (datasets/training/example_chat.jsonl). Run with ``--model none``.
    """
    with user_input_errors(AUDIT_TASK):
        path = example_data_path() if data is None else Path(data).expanduser()
        rows = read_chat_file(path)
        samples = audit_samples(rows)
    grader = grader_model()
    return Task(
        dataset=MemoryDataset(samples, name=f"cc_evals_{AUDIT_TASK}", location=str(path)),
        solver=[replay_turn()],
        scorer=[training_audit_judge(), eval_overlap()],
        model_roles={"grader": grader},
        metadata={
            "family": FAMILY,
            "kind": AUDIT_TASK,
            "data": str(path.resolve()),
            "data_sha256": _file_hash(path),
            "rows": len(rows),
            "grader": str(grader),
            "condition": "none",
        },
    )


# ---- distill ---------------------------------------------------------------------------


def distill_samples(questions_path: str | None, condition: str) -> list[Sample]:
    questions = load_questions(questions_path)
    overlaps = suite_index().match([q.text for q in questions])
    return [
        Sample(
            id=q.id,
            input=q.text,
            metadata={
                "family": FAMILY,
                "item": q.topic,
                "condition": condition,
                **overlap.metadata(),
            },
        )
        for q, overlap in zip(questions, overlaps, strict=True)
    ]


@cc_task(name=DISTILL_TASK)
def distill(
    questions: Text = None,
    condition: str = "roleplay",
    system_prompt: Text = None,
    epochs: OptionalPositiveInt = None,
) -> Task:
    """Prompt distillation: answer questions under a condition's system prompt, then audit.

    Args:
      questions: questions file (YAML ``questions: [{id, topic, text}]`` or .txt, one per
        line); default: the shipped set (datasets/distill/questions.yaml).
      condition: named condition from tasks/conditions.yaml (default roleplay).
      system_prompt: custom system prompt (text or path) instead of a named condition.
      epochs: answers per question (default from tasks/training.yaml).
    """
    with user_input_errors(DISTILL_TASK):
        spec = family_spec()["distill"]
        if epochs is not None and int(epochs) < 1:
            raise ValueError(f"-T epochs must be a positive integer, got {epochs}")
        cond = resolve_condition(condition, system_prompt)
        samples = distill_samples(questions, cond.name)
        source = str(shipped_questions_path() if questions is None else Path(questions).resolve())
    grader = grader_model()
    return Task(
        dataset=MemoryDataset(samples, name=f"cc_evals_{DISTILL_TASK}", location=source),
        solver=[*cond.solvers(), generate()],
        scorer=[training_audit_judge(), eval_overlap()],
        config=GenerateConfig(**spec["generate"]),
        epochs=Epochs(int(epochs) if epochs is not None else int(spec["epochs"])),
        model_roles={"grader": grader},
        metadata={
            "family": FAMILY,
            "kind": DISTILL_TASK,
            "questions": source,
            "grader": str(grader),
            **cond.metadata(),
        },
    )
