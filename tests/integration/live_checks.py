"""Assertions shared by the live tests: what a healthy run on the real server must show."""

from __future__ import annotations

import math
from collections.abc import Iterator

from inspect_ai.event import ModelEvent
from inspect_ai.log import EvalLog, EvalSample, read_eval_log
from inspect_ai.scorer import Score

from cc_evals.demo import is_unscored as demo_is_unscored

# The live tests keep answers short: SmolLM2 on 2 busy cores manages ~30 tokens/s.
SHORT = {"max_tokens": 48}


def full_log(log: EvalLog) -> EvalLog:
    """eval()/eval_set() may hand back headers only; read the samples from disk."""
    return read_eval_log(log.location)


def model_events(sample: EvalSample, role: str | None) -> Iterator[ModelEvent]:
    for event in sample.events:
        if isinstance(event, ModelEvent) and event.role == role:
            yield event


def is_unscored(score: Score) -> bool:
    return demo_is_unscored(score.value)


def assert_real_run(log: EvalLog, *, expect_samples: int) -> None:
    """Success, real text from the server, usage recorded, every score parsed or explained."""
    assert log.status == "success", log.error and log.error.message
    samples = log.samples or []
    assert len(samples) == expect_samples
    assert log.stats.model_usage, "no token usage recorded for the eval"
    for usage in log.stats.model_usage.values():
        assert usage.input_tokens > 0 and usage.output_tokens > 0
    for sample in samples:
        assert sample.error is None, sample.error.message
        text = sample.output.completion
        assert text.strip(), f"{sample.id}: empty answer"
        # the answer came from the llama.cpp server (which names its model by our alias)
        targets = list(model_events(sample, None))
        assert targets, f"{sample.id}: no target model call in the transcript"
        assert targets[-1].output.model == "smollm2"
        assert targets[-1].output.usage is not None and targets[-1].output.usage.output_tokens > 0
        if any(True for _ in model_events(sample, "grader")):
            usage = sample.role_usage.get("grader")
            assert usage is not None and usage.input_tokens > 0, f"{sample.id}: no judge usage"
        assert sample.scores, f"{sample.id}: not scored at all"
        for score in sample.scores.values():
            if is_unscored(score):
                assert score.reason and str(score.reason).strip(), f"{sample.id}: no reason"
            else:
                assert isinstance(score.value, int | float | str | bool | dict | list)


def assert_logprobs_reached_judge(log: EvalLog) -> int:
    """In logprob mode each judge call returned real top_logprobs, or the fallback is recorded.

    Returns how many judge calls carried real top_logprobs.
    """
    real = 0
    for sample in log.samples or []:
        graders = list(model_events(sample, "grader"))
        assert graders, f"{sample.id}: no judge call in the transcript"
        for event in graders:
            if not event.config.logprobs:
                continue
            choice = event.output.choices[0] if event.output.choices else None
            content = choice.logprobs.content if choice and choice.logprobs else []
            if content and content[0].top_logprobs:
                real += 1
                assert all(math.isfinite(t.logprob) for t in content[0].top_logprobs)
            else:
                recorded = [
                    s.metadata
                    for s in (sample.scores or {}).values()
                    if s.metadata and any("fallback" in k and v for k, v in s.metadata.items())
                ]
                assert recorded, f"{sample.id}: judge got no logprobs and no fallback was recorded"
    return real
