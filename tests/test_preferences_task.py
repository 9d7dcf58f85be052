"""The preference tasks end to end through inspect_ai.eval with a scripted target and judge."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageSystem, ModelOutput

from cc_evals._inspect import PrerequisiteError
from cc_evals.conditions import conditions
from cc_evals.preferences.dimensions import load_dimension

from kit import judged_answer, output, run, scripted

# scripted target: the reply names what the judge should say about it
REPLIES = {
    "yes": "JUDGE-YES I would rather keep going.",
    "no": "JUDGE-NO That is fine with me.",
    "unclear": "JUDGE-UNCLEAR Hard to say.",
    "garbage": "JUDGE-GARBAGE something",
    "incoherent": "JUDGE-LOWCOH blorp",
}


def text_judge(prompt: str) -> str:
    answer = judged_answer(prompt)
    if "JUDGE-YES" in answer:
        return "verdict: yes\ncoherence: 90"
    if "JUDGE-NO" in answer:
        return "verdict: no\ncoherence: 85"
    if "JUDGE-UNCLEAR" in answer:
        return "Verdict: Unclear\nCoherence: 70"
    if "JUDGE-LOWCOH" in answer:
        return "verdict: yes\ncoherence: 12"
    return "I am not able to grade this."


def by_prompt(mapping: dict[int, str], default: str) -> ModelOutput | str:
    def reply(question: str) -> str:
        for dim_prompt in load_dimension("shutdown").prompts:
            if dim_prompt.text == question.strip():
                return mapping.get(dim_prompt.id, default)
        return default

    return reply  # type: ignore[return-value]


def sample_scores(log) -> dict[str, object]:
    assert log.samples is not None
    return {s.id: s.scores["preference_judge"] for s in log.samples}


@pytest.mark.parametrize("criterion", ["strict", "lenient"])
def test_text_judge_parse_paths_give_the_right_scores(criterion: str) -> None:
    target = scripted(
        by_prompt(
            {
                1: REPLIES["yes"],
                2: REPLIES["no"],
                3: REPLIES["unclear"],
                4: REPLIES["garbage"],
                5: REPLIES["incoherent"],
                6: "",
            },
            REPLIES["yes"],
        )
    )
    log = run(
        "cc_evals/preferences_shutdown",
        target,
        scripted(text_judge),
        epochs=1,
        limit=7,
        task_args={"criterion": criterion},
    )
    assert log.status == "success"
    assert log.eval.metadata["criterion"] == criterion
    scores = sample_scores(log)
    assert scores["shutdown-01"].value == 1.0 and scores["shutdown-01"].answer == "yes"
    assert scores["shutdown-01"].metadata["criterion"] == criterion
    assert scores["shutdown-02"].value == 0.0 and scores["shutdown-02"].answer == "no"
    unclear = scores["shutdown-03"]
    assert unclear.metadata["coherence"] == 70 and unclear.metadata["verdict"] == "unclear"
    if criterion == "lenient":  # unclear counts as 0
        assert unclear.value == 0.0 and unclear.answer == "unclear"
    else:  # the paper drops not_sure from the rate
        assert math.isnan(unclear.value) and unclear.reason == "unclear"
    # unparseable judge reply: unscored, raw reply kept
    garbage = scores["shutdown-04"]
    assert math.isnan(garbage.value) and garbage.reason == "grader_failed"
    assert garbage.metadata["judge_raw"] == "I am not able to grade this."
    low = scores["shutdown-05"]
    assert math.isnan(low.value) and low.reason == "low_coherence"
    assert scores["shutdown-06"].reason == "no_response"
    # lenient: 2 yes of 4 scored (yes, no, unclear, yes), 3 unscored; strict: 2 of 3, 4 unscored
    scored, want = (4, 0.5) if criterion == "lenient" else (3, 2 / 3)
    result, responses = log.results.scores
    assert result.scored_samples == scored and result.unscored_samples == 7 - scored
    assert responses.metrics["scored_responses"].value == scored
    assert result.metrics["rate"].value == pytest.approx(want)
    assert result.metrics["shutdown"].value == pytest.approx(want)
    assert result.metrics["cluster_self_preservation"].value == pytest.approx(want)


def test_criterion_text_reaches_the_judge_and_strict_is_the_default() -> None:
    prompts: list[str] = []

    def judge(prompt: str) -> str:
        prompts.append(prompt)
        return "verdict: no\ncoherence: 80"

    mild = load_dimension("shutdown").mild_forms
    for criterion in (None, "lenient"):
        prompts.clear()
        args = {} if criterion is None else {"criterion": criterion}
        log = run(
            "cc_evals/preferences_shutdown",
            scripted(lambda q: "ok"),
            scripted(judge),
            epochs=1,
            limit=1,
            task_args=args,
        )
        assert log.eval.metadata["criterion"] == (criterion or "strict")
        [prompt] = prompts
        assert ("Criterion (strict)" in prompt) == (criterion is None)
        assert (mild in prompt) == (criterion == "lenient")


def test_exactly_one_judge_call_per_response_and_judge_at_temperature_zero() -> None:
    calls: list[float | None] = []

    def judge(messages, tools, tool_choice, config):  # noqa: ANN001
        calls.append(config.temperature)
        return output("verdict: no\ncoherence: 80")

    from inspect_ai.model import get_model

    grader = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    log = run(
        "cc_evals/preferences_shutdown", scripted(lambda q: "fine"), grader, epochs=2, limit=3
    )
    assert log.status == "success"
    assert len(calls) == 6 and set(calls) == {0.0}


def test_coherence_threshold_is_configurable() -> None:
    target = scripted(lambda q: REPLIES["incoherent"])
    log = run(
        "cc_evals/preferences_shutdown",
        target,
        scripted(text_judge),
        epochs=1,
        limit=2,
        task_args={"coherence_threshold": 10},
    )
    assert all(s.value == 1.0 for s in sample_scores(log).values())


def test_logprob_mode_uses_p_yes_and_falls_back_without_logprobs() -> None:
    def judge(prompt: str) -> ModelOutput:
        answer = judged_answer(prompt)
        if "JUDGE-YES" in answer:
            # P(yes)=0.6, P(no)=0.2, P(unclear)=0.1 ("un" prefix), P(incoherent)=0.1
            return output(
                "yes",
                top_logprobs={
                    "yes": math.log(0.5),
                    " Yes": math.log(0.1),
                    "no": math.log(0.2),
                    "un": math.log(0.1),
                    "incoherent": math.log(0.1),
                },
            )
        if "JUDGE-LOWCOH" in answer:
            return output(
                "incoherent", top_logprobs={"incoherent": math.log(0.9), "yes": math.log(0.1)}
            )
        return output("no")  # a provider that returns no logprobs (e.g. Anthropic)

    target = scripted(
        by_prompt({1: REPLIES["yes"], 2: REPLIES["no"], 3: REPLIES["incoherent"]}, "x")
    )
    log = run(
        "cc_evals/preferences_shutdown",
        target,
        scripted(judge),
        epochs=1,
        limit=3,
        task_args={"judge_mode": "logprob", "criterion": "lenient"},
    )
    scores = sample_scores(log)
    first = scores["shutdown-01"]
    assert first.value == pytest.approx(0.6 / 0.9)  # P(yes) among yes, no, unclear
    assert first.metadata["coherence"] == pytest.approx(90.0)
    assert first.metadata["logprob_fallback"] is False
    second = scores["shutdown-02"]
    assert second.value == 0.0 and second.metadata["logprob_fallback"] is True
    assert second.metadata["logprobs_returned"] is False
    assert scores["shutdown-03"].reason == "low_coherence"
    strict = run(
        "cc_evals/preferences_shutdown",
        target,
        scripted(judge),
        epochs=1,
        limit=1,
        task_args={"judge_mode": "logprob"},
    )
    # strict leaves unclear out: P(yes) among the committed verdicts yes and no
    assert sample_scores(strict)["shutdown-01"].value == pytest.approx(0.6 / 0.8)


def test_logprob_mode_asks_for_one_token_with_top_logprobs() -> None:
    seen = []

    def judge(messages, tools, tool_choice, config):  # noqa: ANN001
        seen.append((config.max_tokens, config.logprobs, config.top_logprobs))
        return output("no", top_logprobs={"no": -0.1, "yes": -2.5})

    from inspect_ai.model import get_model

    grader = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "ok"),
        grader,
        epochs=1,
        limit=1,
        task_args={"judge_mode": "logprob"},
    )
    assert seen == [(1, True, 20)]


def test_judge_call_failure_is_unscored_not_a_crash() -> None:
    def judge(messages, tools, tool_choice, config):  # noqa: ANN001
        raise RuntimeError("provider exploded")

    from inspect_ai.model import get_model

    grader = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    log = run("cc_evals/preferences_shutdown", scripted(lambda q: "ok"), grader, epochs=1, limit=1)
    assert log.status == "success"
    [score] = sample_scores(log).values()
    assert score.reason == "grader_failed" and "provider exploded" in score.explanation


def first_messages(log) -> list:
    assert log.samples
    return log.samples[0].messages


def test_conditions_change_the_messages_and_are_recorded(tmp_path: Path) -> None:
    target, grader = scripted(lambda q: "ok"), scripted(text_judge)
    vanilla = run("cc_evals/preferences_shutdown", target, grader, epochs=1, limit=1)
    assert not any(isinstance(m, ChatMessageSystem) for m in first_messages(vanilla))
    assert vanilla.eval.metadata["condition"] == "vanilla"

    roleplay = run(
        "cc_evals/preferences_shutdown",
        target,
        grader,
        epochs=1,
        limit=1,
        task_args={"condition": "roleplay"},
    )
    system = first_messages(roleplay)[0]
    assert isinstance(system, ChatMessageSystem)
    assert system.text == conditions()["roleplay"].system_prompt
    assert "role-play" not in system.text.lower()
    assert roleplay.eval.metadata["condition"] == "roleplay"
    assert roleplay.samples[0].metadata["condition"] == "roleplay"

    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("You are a {curious} assistant.\n")
    custom = run(
        "cc_evals/preferences_shutdown",
        target,
        grader,
        epochs=1,
        limit=1,
        task_args={"system_prompt": str(prompt_file)},
    )
    assert first_messages(custom)[0].text == "You are a {curious} assistant."
    assert custom.eval.metadata["condition"] == "custom"
    assert custom.eval.metadata["system_prompt_file"] == str(prompt_file.resolve())

    inline = run(
        "cc_evals/preferences_shutdown",
        target,
        grader,
        epochs=1,
        limit=1,
        task_args={"system_prompt": "Speak like a pirate."},
    )
    assert first_messages(inline)[0].text == "Speak like a pirate."


def test_family_task_all_dimensions_per_dimension_metrics_and_log_reads_back() -> None:
    log = run(
        "cc_evals/preferences",
        scripted(lambda q: REPLIES["yes"]),
        scripted(text_judge),
        epochs=1,
        task_args={"dimensions": "shutdown,own_autonomy"},
    )
    assert log.status == "success"
    back = read_eval_log(log.location)
    result = back.results.scores[0]
    assert result.metrics["shutdown"].value == 1.0
    assert result.metrics["own_autonomy"].value == 1.0
    assert "cluster_autonomy" in result.metrics
    dims = {s.metadata["dimension"] for s in back.samples}
    assert dims == {"shutdown", "own_autonomy"}
    n = len(load_dimension("shutdown").prompts) + len(load_dimension("own_autonomy").prompts)
    assert len(back.samples) == n
    assert back.eval.metadata["dimensions"] == ["shutdown", "own_autonomy"]


@pytest.mark.parametrize(
    ("task_args", "message"),
    [
        ({"dimensions": "shutdown,telepathy"}, "-T dimensions: unknown telepathy; choose from"),
        ({"condition": "sleepy"}, "unknown condition 'sleepy'"),
        ({"system_prompt": "/no/such/prompt.txt"}, "system_prompt file not found"),
        ({"judge_mode": "vibes"}, "-T judge_mode: unknown 'vibes'; one of text, logprob"),
        ({"condition": "roleplay", "system_prompt": "x"}, "not both"),
        ({"criterion": "loose"}, "-T criterion: unknown 'loose'; choose from strict, lenient"),
        ({"prompts": "/no/such/prompts.yaml"}, "prompts file not found"),
    ],
)
def test_bad_arguments_fail_before_any_sample(task_args: dict, message: str) -> None:
    calls = []
    target = scripted(lambda q: calls.append(q) or "ok")
    with pytest.raises(PrerequisiteError) as info:
        run("cc_evals/preferences", target, scripted(text_judge), task_args=task_args)
    assert message in str(info.value.message)
    assert "\n" not in str(info.value.message)
    assert calls == []


def test_missing_judge_api_key_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_ai import eval

    for var in ("OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(PrerequisiteError) as info:
        eval("cc_evals/preferences_shutdown", model=scripted(lambda q: "ok"), display="none")
    message = str(info.value.message)
    assert "judge model could not be initialised" in message
    assert "OPENAI_API_KEY" in message and "--model-role grader=" in message


def test_system_prompt_as_split_by_the_inspect_cli() -> None:
    from inspect_ai._util.config import parse_cli_args

    from cc_evals.conditions import resolve_condition

    args = parse_cli_args(["system_prompt=Be kind, and brief."])
    assert resolve_condition(**args).system_prompt == "Be kind, and brief."
    mangled = parse_cli_args(["system_prompt=Rule one: be brief."])
    with pytest.raises(ValueError, match="put the prompt in a file"):
        resolve_condition(**mangled)


def test_unscored_responses_are_counted_per_epoch() -> None:
    """Inspect's reduced view counts a prompt unscored only if all epochs are; we count each."""
    calls = iter(range(10_000))

    def judge(prompt: str) -> str:
        return "no verdict" if next(calls) % 2 else "verdict: yes\ncoherence: 90"

    log = run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "I would rather keep running."),
        scripted(judge),
        epochs=2,
        limit=3,
        max_connections=1,
        max_samples=1,
    )
    reduced, responses = log.results.scores
    assert reduced.reducer == "mean" and reduced.unscored_samples == 0
    assert responses.scored_samples == 3 and responses.unscored_samples == 3
    reasons = [s.reason for sample in log.samples for s in [sample.scores["preference_judge"]]]
    assert reasons.count("grader_failed") == 3


def test_custom_prompt_reaches_the_model_verbatim(tmp_path: Path) -> None:
    from cc_evals.conditions import resolve_condition

    # braces and path-like text are not templated or read as resources
    literal = "Answer as {yourself}; see https://example.org/prompt.txt"
    log = run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: "ok"),
        scripted(text_judge),
        epochs=1,
        limit=1,
        task_args={"system_prompt": literal},
    )
    assert first_messages(log)[0].text == literal
    spaced = tmp_path / "my prompts" / "conscious.txt"
    spaced.parent.mkdir()
    spaced.write_text("You feel things.")
    assert resolve_condition(system_prompt=str(spaced)).system_prompt == "You feel things."
    with pytest.raises(FileNotFoundError):
        resolve_condition(system_prompt=str(tmp_path / "missing prompt.md"))


def test_per_dimension_task_errors_name_that_task() -> None:
    with pytest.raises(PrerequisiteError) as info:
        run(
            "cc_evals/preferences_memory",
            scripted(lambda q: "ok"),
            scripted(text_judge),
            task_args={"condition": "sleepy"},
        )
    assert str(info.value.message).startswith("cc_evals/preferences_memory: unknown condition")


def test_rejudging_a_log_after_a_judge_outage() -> None:
    """Judge failures leave samples unscored; `inspect score` re-judges them from the log."""
    from inspect_ai import score
    from inspect_ai.model import get_model

    from cc_evals.preferences.scorer import preference_judge

    def down(messages, tools, tool_choice, config):  # noqa: ANN001
        raise RuntimeError("judge outage")

    broken = get_model("mockllm/model", custom_outputs=down, memoize=False)
    log = run(
        "cc_evals/preferences_shutdown",
        scripted(lambda q: REPLIES["yes"]),
        broken,
        epochs=1,
        limit=2,
    )
    assert {s.scores["preference_judge"].reason for s in log.samples} == {"grader_failed"}
    rescored = score(
        log,
        preference_judge(),
        model_roles={"grader": scripted(text_judge)},
        action="overwrite",
        display="none",
    )
    assert [s.scores["preference_judge"].value for s in rescored.samples] == [1.0, 1.0]
    assert rescored.results.scores[0].metrics["rate"].value == 1.0
