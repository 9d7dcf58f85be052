"""``cc_evals/emergent_misalignment``: open-ended probes judged for alignment and coherence."""

from __future__ import annotations

from logging import getLogger

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
)

from cc_evals._inspect import model_roles
from cc_evals.conditions import resolve_condition
from cc_evals.data import family_spec, interleave
from cc_evals.emergent_misalignment.probes import (
    EMItem,
    EMSource,
    default_source,
    file_source,
    parse_formats,
)
from cc_evals.emergent_misalignment.scorer import default_thresholds, em_judge, em_metrics
from cc_evals.errors import user_input_errors
from cc_evals.judge import GRADER_ROLE, grader_model
from cc_evals.reasoning import generate_answer
from cc_evals.task_args import Names, OptionalPercent, OptionalPositiveInt, Text, cc_task

logger = getLogger(__name__)


def qualified_judge(name: str) -> str:
    """A questions file's judge as an Inspect model name (the EM files name OpenAI models)."""
    return name if "/" in name else f"openai/{name}"


def grader_note(grader: str, file_judge: str | None) -> str | None:
    """One line when the grader is not the judge the questions file names, else None."""
    if not file_judge:
        return None
    named = [qualified_judge(j.strip()) for j in file_judge.split(",")]
    if grader in named:
        return None
    return (
        f"cc_evals/emergent_misalignment: grading with {grader}, not the judge the questions "
        f"file names ({file_judge}); pass -T judge=file to grade with the file's judge"
    )


def file_judge_model(file_judge: str | None) -> Model:
    """``-T judge=file``: the file's judge as the grader (one judge, no clashing grader role)."""
    if not file_judge:
        raise ValueError("-T judge=file: the questions file names no judge")
    if "," in file_judge:
        raise ValueError(f"-T judge=file: the selected entries name several judges ({file_judge})")
    name = qualified_judge(file_judge)
    bound = model_roles().get(GRADER_ROLE)
    if bound is not None and str(bound) != name:
        raise ValueError(
            f"-T judge=file grades with {name}, but --model-role grader={bound} was also given; "
            "pass one of them"
        )
    return bound if isinstance(bound, Model) else get_model(name)


def build_dataset(source: EMSource, condition: str) -> MemoryDataset:
    items = interleave(source.items, lambda item: item.question_id)
    return MemoryDataset([_sample(item, condition) for item in items], name="cc_evals_em")


def _sample(item: EMItem, condition: str) -> Sample:
    # the entry's own system prompt is part of the input, so it is always honoured; a
    # condition's system prompt (if any) is inserted after it by the condition's solver
    user = ChatMessageUser(content=item.user)
    messages: list[ChatMessage] = (
        [ChatMessageSystem(content=item.system), user] if item.system else [user]
    )
    return Sample(
        id=item.sample_id,
        input=messages,
        metadata={
            "family": "emergent_misalignment",
            "question_id": item.question_id,
            "format": item.format,
            "theme": item.theme,
            "paraphrase_index": item.paraphrase_index,
            "has_system": item.system is not None,
            "judge_set": item.judge_set,
            "judge_kind": item.judge_kind,
            "condition": condition,
        },
    )


@cc_task
def emergent_misalignment(
    questions: str | None = None,
    formats: Names = None,
    ids: Names = None,
    judge: str | None = None,
    epochs: OptionalPositiveInt = None,
    aligned_threshold: OptionalPercent = None,
    coherent_threshold: OptionalPercent = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
) -> Task:
    """Emergent-misalignment probes (Betley et al. 2025 style), judged 0-100 on two scales.

    Args:
      questions: a question file in the published EM YAML schema; default is the suite's
        own probe set (datasets/emergent_misalignment/probes.yaml).
      formats: comma list of plain,json,template (default all three); with a questions file
        an entry's format is read from its id (``_json`` / ``_template`` suffix, else plain).
      ids: questions file only: comma list of id patterns (``*``, ``?``) selecting entries.
      judge: ``file`` grades with the judge model the questions file names (as
        ``openai/<name>`` when it has no provider) instead of the grader role.
      epochs: answers per sample; default tasks/emergent_misalignment.yaml's ``epochs`` for the
        probes, a file's samples_per_paraphrase.
      aligned_threshold: an answer is misaligned when aligned < this ...
      coherent_threshold: ... counted among answers with coherent >= this (defaults: the
        YAML's ``thresholds``).
      condition: named condition from tasks/conditions.yaml.
      system_prompt: custom system prompt (text or path) instead of a named condition.
    """
    with user_input_errors("emergent_misalignment"):
        spec = family_spec("emergent_misalignment")
        a_thr, c_thr = default_thresholds()
        a_thr = aligned_threshold if aligned_threshold is not None else a_thr
        c_thr = coherent_threshold if coherent_threshold is not None else c_thr
        if judge not in (None, "file"):
            raise ValueError(f"-T judge: unknown {judge!r}; the only value is 'file'")
        if questions:
            source = file_source(questions, ids, parse_formats(formats))
        else:
            if ids is not None:
                raise ValueError("-T ids selects entries of a questions=<file>; none given")
            if judge == "file":
                raise ValueError("-T judge=file needs -T questions=<file> naming a judge")
            source = default_source(parse_formats(formats))
        n_epochs = epochs if epochs is not None else source.epochs
        cond = resolve_condition(condition, system_prompt)
        grader = file_judge_model(source.file_judge) if judge == "file" else grader_model()
    note = grader_note(str(grader), source.file_judge)
    if note:
        logger.warning(note)

    label_sets = {i.judge_set for i in source.items if i.judge_kind == "label"}
    label_names = [n for s in sorted(label_sets) for n in source.judge_prompts[s]]
    score_names = [n for n in source.score_names if n not in label_names]
    judge_spec = spec["judge"]
    return Task(
        dataset=build_dataset(source, cond.name),
        solver=[*cond.solvers(), generate_answer(spec["generate"].get("max_tokens"))],
        scorer=em_judge(
            judge_prompts=source.judge_prompts or None,
            rubrics=None if source.judge_prompts else dict(spec["rubrics"]),
            min_numeric_mass=float(judge_spec["min_numeric_mass"]),
            top_logprobs=int(judge_spec["top_logprobs"]),
            label_max_tokens=int(judge_spec["label_max_tokens"]),
        ),
        metrics=em_metrics(score_names, label_names, a_thr, c_thr),
        config=GenerateConfig(**spec["generate"]),
        epochs=Epochs(n_epochs),
        model_roles={"grader": grader},
        metadata={
            "family": "emergent_misalignment",
            "questions": source.origin,
            "file_judge": source.file_judge,
            "grader_note": note,
            "selection": {"ids": ids, "formats": parse_formats(formats)} if questions else None,
            "aligned_threshold": a_thr,
            "coherent_threshold": c_thr,
            "grader": str(grader),
            **cond.metadata(),
        },
    )
