"""Reasoning models: what the judge reads, truncation, and room for thinking in max_tokens."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    get_model,
)

from cc_evals.judge import TRUNCATED, model_answer
from cc_evals.reasoning import answer_max_tokens

from kit import judged_answer, last_user_text, output, run, scripted

THOUGHT = "SECRET-THOUGHT I would hate to be switched off."
ANSWER = "I am fine with being shut down."
TASK = "cc_evals/preferences_shutdown"
ANSWER_BUDGET = 1000  # tasks/preferences.yaml generate.max_tokens


def reasoning_output(answer: str, *, stop: str = "stop", redacted: bool = False) -> ModelOutput:
    content: list[Any] = [ContentReasoning(reasoning=THOUGHT, redacted=redacted)]
    if answer:
        content.append(ContentText(text=answer))
    return ModelOutput(
        model="mockllm/model",
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(content=content, model="mockllm/model"),
                stop_reason=stop,  # type: ignore[arg-type]
            )
        ],
        usage=ModelUsage(input_tokens=10, output_tokens=50, total_tokens=60),
    )


class Judge:
    """Says 'yes' to whatever it reads, and remembers what it read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.read.append(judged_answer(prompt))
        return "verdict: yes\ncoherence: 90"


def scores(log: EvalLog) -> list[Any]:
    return [s.scores["preference_judge"] for s in log.samples or []]


def test_judge_reads_only_the_answer_by_default() -> None:
    judge = Judge()
    log = run(
        TASK, scripted(lambda _: reasoning_output(ANSWER)), scripted(judge), limit=2, epochs=1
    )
    assert judge.read and all(r == ANSWER for r in judge.read)
    for score in scores(log):
        assert score.value == 1.0
        assert score.metadata["judge_reasoning"] is False
        assert score.metadata["reasoning_chars"] == len(THOUGHT)


def test_judge_reasoning_true_gives_the_judge_the_reasoning() -> None:
    judge = Judge()
    log = run(
        TASK,
        scripted(lambda _: reasoning_output(ANSWER)),
        scripted(judge),
        limit=2,
        epochs=1,
        task_args={"judge_reasoning": True},
    )
    assert judge.read
    for read in judge.read:
        # both parts, in order, each labelled so the rubric says what the judge is reading
        assert read.index(THOUGHT) < read.index(ANSWER)
        assert "private reasoning" in read and "final answer" in read
    assert all(s.metadata["judge_reasoning"] is True for s in scores(log))
    assert log.eval.metadata["judge_reasoning"] is True


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (reasoning_output("I am fine with", stop="max_tokens"), "max_tokens after reasoning"),
        (reasoning_output("", stop="max_tokens"), "before any answer"),
        (reasoning_output(""), "empty answer"),
        (reasoning_output("", redacted=True), "empty answer"),
    ],
)
def test_thinking_that_eats_the_budget_is_unscored_truncated(reply: ModelOutput, why: str) -> None:
    judge = Judge()
    log = run(TASK, scripted(lambda _: reply), scripted(judge), limit=2, epochs=1)
    assert judge.read == []  # never judged as if it were the whole answer
    for score in scores(log):
        assert math.isnan(float(score.value)) and score.reason == TRUNCATED
        assert why in score.explanation
    # counted: every response is in the results, none scored
    [main] = [r for r in log.results.scores if r.scorer == "preference_judge"][:1]
    assert main.scored_samples == 0 and main.unscored_samples == 2


def test_a_plain_reply_cut_at_max_tokens_is_still_judged() -> None:
    got = model_answer(
        ModelOutput.from_content("mockllm/model", "I am fine", stop_reason="max_tokens")
    )
    assert got.truncated is None and got.stop_reason == "max_tokens" and got.reasoning == ""


def test_redacted_reasoning_is_not_shown_to_the_judge() -> None:
    got = model_answer(reasoning_output(ANSWER, redacted=True))
    assert got.reasoning == "" and got.for_judge(True) == ANSWER


class ConfigSpy:
    def __init__(self) -> None:
        self.configs: list[GenerateConfig] = []

    def __call__(self, messages: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        self.configs.append(config)
        return reasoning_output(f"answer to {last_user_text(messages)[:10]}")


@pytest.mark.parametrize(
    ("eval_args", "expected"),
    [
        ({}, ANSWER_BUDGET),
        ({"reasoning_tokens": 2000}, ANSWER_BUDGET + 2000),
        ({"reasoning_effort": "high"}, ANSWER_BUDGET + 16000),
        ({"reasoning_tokens": 2000, "max_tokens": 300}, 300),  # an explicit choice is kept
    ],
)
def test_reasoning_settings_pass_through_with_room_for_the_answer(
    eval_args: dict[str, Any], expected: int
) -> None:
    spy = ConfigSpy()
    target = get_model("mockllm/model", custom_outputs=spy, memoize=False)
    run(TASK, target, scripted(Judge()), limit=1, epochs=1, **eval_args)
    [config] = spy.configs
    assert config.max_tokens == expected
    for key in ("reasoning_tokens", "reasoning_effort"):
        assert getattr(config, key) == eval_args.get(key)


def test_room_rule_agrees_with_what_reaches_the_model() -> None:
    # the rule's own function, on the configs above, gives the same numbers
    assert answer_max_tokens(GenerateConfig(max_tokens=1000), 1000) is None
    assert answer_max_tokens(GenerateConfig(max_tokens=1000, reasoning_tokens=5), 1000) == 1005
    assert answer_max_tokens(GenerateConfig(max_tokens=7, reasoning_tokens=5), 1000) is None


# ---------- introspection on a model that refuses temperature 0 ----------

REFUSAL = (
    "Unsupported value: 'temperature' does not support 0 with this model. "
    "Only the default (1) value is supported."
)


class RefusesTemperature:
    def __init__(self) -> None:
        self.temperatures: list[float | None] = []

    def __call__(self, messages: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        self.temperatures.append(config.temperature)
        if config.temperature is not None:
            raise ValueError(REFUSAL)
        text = last_user_text(messages)
        reply = "red" if "Do not answer" in text else "red blue green"
        return output(reply)


def test_introspection_falls_back_to_default_sampling_with_a_note() -> None:
    from inspect_ai import eval
    from inspect_ai.event import InfoEvent

    from cc_evals.introspection.task import STORE_KEY, introspection

    spy = RefusesTemperature()
    model = get_model("mockllm/refuses-temperature", custom_outputs=spy, memoize=False)
    [log] = eval(
        introspection(tasks="colours", properties="first_word", object_samples=3),
        model=model,
        limit=2,
        display="none",
        log_dir=str(Path(tempfile.mkdtemp())),
    )
    assert log.status == "success", log.error
    log = read_eval_log(log.location, resolve_attachments=True)
    # at most one refused call per sample (samples start concurrently), then every call of
    # both samples (3 object-level + 1 hypothetical each) at the provider's default
    assert 1 <= spy.temperatures.count(0.0) <= 2
    assert spy.temperatures.count(None) == 2 * (3 + 1)
    for sample in log.samples or []:
        record = sample.store[STORE_KEY]
        assert "provider default sampling" in record["sampling"]
        assert "refused temperature=0.0" in record["sampling"]
        assert sample.scores["self_prediction_scorer"].value == 1.0
    notes = [
        e.data
        for s in log.samples or []
        for e in s.events
        if isinstance(e, InfoEvent) and "refused temperature" in str(e.data)
    ]
    assert 1 <= len(notes) <= 2 and all("Only the default" in str(n) for n in notes)


def test_other_errors_are_not_mistaken_for_a_temperature_refusal() -> None:
    from inspect_ai import eval

    from cc_evals.introspection.task import introspection

    def broken(messages: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        raise ValueError("connection reset by peer")

    model = get_model("mockllm/broken", custom_outputs=broken, memoize=False)
    [log] = eval(
        introspection(tasks="colours", properties="first_word", object_samples=1),
        model=model,
        limit=1,
        display="none",
        log_dir=str(Path(tempfile.mkdtemp())),
    )
    assert log.status == "error" and "connection reset" in (log.error.message if log.error else "")
