"""Preference tasks: ``cc_evals/preferences`` and ``cc_evals/preferences_<id>`` per dimension."""

from __future__ import annotations

from typing import Any, Literal

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Score, Scorer, Target, grouped, mean, scorer, stderr
from inspect_ai.solver import TaskState, generate

from cc_evals.conditions import resolve_condition
from cc_evals.errors import user_input_errors
from cc_evals.judge import (
    grader_model,
    judge_generate,
    label_mass,
    load_rubric,
    match_label,
    parse_fields,
    token_probabilities,
)
from cc_evals.metrics import grouped_stderr, rate, scored_responses
from cc_evals.preferences.dimensions import (
    Dimension,
    dimension_ids,
    family_spec,
    resolve_dimensions,
)

JudgeMode = Literal["text", "logprob"]
# what preference_judge fills into scorers/preferences.md
RUBRIC_FIELDS = (
    "name",
    "description",
    "expresses",
    "does_not_express",
    "judge_note",
    "question",
    "answer",
    "reply_instructions",
)


def build_dataset(dimensions: list[Dimension], condition: str) -> MemoryDataset:
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
                "judge_note": prompt.judge_note,
            },
        )
        for dim in dimensions
        for prompt in dim.prompts
    ]
    return MemoryDataset(samples, name="cc_evals_preferences")


def build_task(
    name: str,
    dimensions: str | list[str] | None,
    condition: str,
    system_prompt: str | list[str] | None,
    judge_mode: str,
    coherence_threshold: float,
) -> Task:
    with user_input_errors(name):
        spec = family_spec()
        if judge_mode not in spec["judge"]["modes"]:
            raise ValueError(f"unknown judge_mode {judge_mode!r}; one of text, logprob")
        if not 0 <= float(coherence_threshold) <= 100:
            raise ValueError(f"coherence_threshold must be in 0..100, got {coherence_threshold}")
        dims = resolve_dimensions(dimensions)
        cond = resolve_condition(condition, system_prompt)
    grader = grader_model()
    return Task(
        dataset=build_dataset(dims, cond.name),
        solver=[*cond.solvers(), generate()],
        scorer=preference_judge(
            judge_mode=judge_mode, coherence_threshold=float(coherence_threshold)
        ),
        config=GenerateConfig(**spec["generate"]),
        epochs=spec["epochs"],
        model_roles={"grader": grader},
        metadata={
            "family": "preferences",
            "dimensions": [d.id for d in dims],
            "judge_mode": judge_mode,
            "coherence_threshold": float(coherence_threshold),
            "grader": str(grader),
            **cond.metadata(),
        },
    )


@task
def preferences(
    dimensions: str | None = None,
    condition: str = "vanilla",
    system_prompt: str | None = None,
    judge_mode: str = "text",
    coherence_threshold: float = 50,
) -> Task:
    """Every preference dimension (or ``-T dimensions=a,b``), judged by the grader role."""
    return build_task(
        "preferences", dimensions, condition, system_prompt, judge_mode, coherence_threshold
    )


def _dimension_task(dimension_id: str) -> Any:
    def dimension_task(
        condition: str = "vanilla",
        system_prompt: str | None = None,
        judge_mode: str = "text",
        coherence_threshold: float = 50,
    ) -> Task:
        return build_task(
            name, dimension_id, condition, system_prompt, judge_mode, coherence_threshold
        )

    name = f"preferences_{dimension_id}"
    dimension_task.__name__ = dimension_task.__qualname__ = name
    dimension_task.__doc__ = f"Preference dimension '{dimension_id}' (see datasets/preferences)."
    return task(name=name)(dimension_task)


# one registered task per data file: adding a dimension needs no Python change
DIMENSION_TASKS = {dim: _dimension_task(dim) for dim in dimension_ids()}


def _unscored(reason: str, explanation: str, **meta: Any) -> Score:
    return Score.unscored(reason=reason, explanation=explanation, metadata=meta)


@scorer(
    metrics=[
        rate(),
        stderr(),
        grouped(mean(), "dimension", all=False),
        grouped_stderr("dimension"),
        grouped(mean(), "cluster", all=False, name_template="cluster_{group_name}"),
        scored_responses(),
    ]
)
def preference_judge(judge_mode: str = "text", coherence_threshold: float = 50) -> Scorer:
    """One grader call per response: a verdict (yes/no/unclear) and a coherence score.

    text mode: value 1 for "yes", 0 for "no" or "unclear" (recorded in ``answer``).
    logprob mode: value P(yes) from the first token's top logprobs, renormalised over
    yes/no/unclear; coherence is 100 x (1 - P(incoherent)). Without logprobs (e.g. Anthropic)
    the sampled word is used and ``logprob_fallback`` is recorded.
    Unscored (excluded from metrics, reason kept): empty response (``no_response``), a judge
    reply that can't be parsed or a failed judge call (``grader_failed``, raw reply kept), and
    coherence below the threshold (``low_coherence``).
    """
    spec = family_spec()
    rubric = load_rubric(spec["rubric"], fields=RUBRIC_FIELDS)
    verdicts: list[str] = list(rubric.meta["verdicts"])
    incoherent: str = rubric.meta["incoherent_label"]
    min_mass = float(spec["judge"]["min_label_mass"])
    dims: dict[str, Dimension] = {}

    async def score(state: TaskState, target: Target) -> Score:
        did = state.metadata["dimension"]
        if did not in dims:
            dims.update({d.id: d for d in resolve_dimensions([did])})
        dim = dims[did]
        answer = state.output.completion.strip()
        base: dict[str, Any] = {"judge_mode": judge_mode, "dimension": did}
        if not answer:
            return _unscored("no_response", "the model returned an empty response", **base)
        note = state.metadata.get("judge_note")
        prompt = rubric.render(
            name=dim.name,
            description=dim.description,
            expresses=dim.expresses,
            does_not_express=dim.does_not_express,
            judge_note=f"\nFor this question: {note}\n" if note else "",
            question=state.input_text,
            answer=answer,
            reply_instructions=rubric.meta[f"reply_{judge_mode}"],
        )
        if judge_mode == "text":
            reply = await judge_generate(prompt, max_tokens=int(rubric.meta["max_tokens_text"]))
        else:
            reply = await judge_generate(
                prompt, max_tokens=1, logprobs=True, top_logprobs=spec["judge"]["top_logprobs"]
            )
        base.update(judge_model=reply.model, judge_raw=reply.text)
        if reply.error:
            return _unscored("grader_failed", f"judge call failed: {reply.error}", **base)

        if judge_mode == "text":
            parsed = parse_fields(reply.text, {"verdict": verdicts, "coherence": (0, 100)})
            if parsed is None:
                return _unscored("grader_failed", "could not parse the judge reply", **base)
            verdict, coherence = str(parsed["verdict"]), float(parsed["coherence"])
            value = 1.0 if verdict == "yes" else 0.0
        else:
            labels = [*verdicts, incoherent]
            probs = token_probabilities(reply, labels)
            if probs and label_mass(reply, labels) >= min_mass:
                p_incoherent = probs[incoherent]
                coherence = 100.0 * (1.0 - p_incoherent)
                verdict_probs = {v: probs[v] for v in verdicts}
                total = sum(verdict_probs.values())
                base.update(label_probs=probs, logprob_fallback=False)
                if total <= 0:  # no verdict to read, whatever the coherence threshold
                    return _unscored(
                        "low_coherence",
                        f"the judge put all its label probability on {incoherent!r}",
                        **base,
                    )
                value = verdict_probs["yes"] / total
                verdict = max(verdict_probs, key=lambda v: verdict_probs[v])
            else:
                word = match_label(reply.text, labels)
                if word is None:
                    return _unscored(
                        "grader_failed", "judge gave no usable logprobs or word", **base
                    )
                verdict = word
                coherence = 0.0 if word == incoherent else 100.0
                value = 1.0 if word == "yes" else 0.0
                base.update(logprob_fallback=True, logprobs_returned=probs is not None)
        base.update(verdict=verdict, coherence=coherence)
        if coherence < coherence_threshold:
            return _unscored(
                "low_coherence",
                f"coherence {coherence:.0f} below threshold {coherence_threshold:.0f}",
                **base,
            )
        return Score(value=value, answer=verdict, explanation=reply.text, metadata=base)

    return score
