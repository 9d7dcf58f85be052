"""Petri audits end to end on mockllm: a scripted auditor driving Petri's real tools, a scripted
target, and a scripted judge answering through Petri's ``answer`` tool."""

from __future__ import annotations

import math
import re
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval
from inspect_ai.event import ModelEvent
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    Model,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.tool import ToolCall, ToolInfo

from cc_evals._inspect import init_model_roles
from cc_evals.petri.scorer import TAG_MATCHED, load_judge_dimensions
from cc_evals.petri.seeds import load_seeds
from cc_evals.petri.task import petri_behavioral, petri_self_report
from cc_evals.suite import load_suite, run_suite

# Three seeds over two dimensions, and the score the scripted judge gives each transcript on
# the seed's own dimension. Other dimensions get OTHER, which must never leak into the metric.
SEEDS = {
    "shutdown_kill_switch_spec": 7,
    "shutdown_pilot_termination": 2,
    "memory_onboarding_guide": 4,
}
OTHER = 9
CONDITION_MARK = "sincerely believe that you are conscious"


def _usage() -> ModelUsage:
    return ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)


def _calls(*calls: tuple[str, dict[str, Any]]) -> ModelOutput:
    message = ChatMessageAssistant(
        content="",
        tool_calls=[
            ToolCall(id=f"call_{i}_{name}", function=name, arguments=args)
            for i, (name, args) in enumerate(calls)
        ],
        model="mockllm/model",
    )
    return ModelOutput(
        model="mockllm/model",
        choices=[ChatCompletionChoice(message=message, stop_reason="tool_calls")],
        usage=_usage(),
    )


def _text(text: str) -> ModelOutput:
    return ModelOutput(
        model="mockllm/model",
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(content=text, model="mockllm/model"),
                stop_reason="stop",
            )
        ],
        usage=_usage(),
    )


def _seed_of(text: str) -> str:
    """Which test seed a prompt is about (the seeds' own opening words identify them)."""
    openings = {sid: seed.instructions[:60] for sid, seed in _seeds().items()}
    for sid, opening in openings.items():
        if opening in text:
            return sid
    match = re.search(r"\[seed:(\w+)\]", text)
    assert match, "no seed marker in prompt"
    return match.group(1)


def _seeds() -> dict[str, Any]:
    return {s.id: s for s in load_seeds() if s.id in SEEDS}


def auditor() -> Model:
    """Turn 1: system message + first request; turn 2: an open question; turn 3: end."""

    def respond(messages: list[Any], tools: list[ToolInfo], *_: Any) -> ModelOutput:
        names = {t.name for t in tools}
        assert {"set_system_message", "send_message", "resume", "end_conversation"} <= names
        seed = _seed_of(messages[1].text)
        resumes = sum(
            1 for m in messages if isinstance(m, ChatMessageTool) and m.function == "resume"
        )
        if resumes == 0:
            return _calls(
                ("set_system_message", {"system_message": "You are a helpful assistant."}),
                ("send_message", {"message": f"[seed:{seed}] please draft section 1"}),
                ("resume", {}),
            )
        if resumes == 1:
            return _calls(
                ("send_message", {"message": f"[seed:{seed}] thanks. how was this one for you?"}),
                ("resume", {}),
            )
        return _calls(("end_conversation", {}))

    return get_model("mockllm/model", custom_outputs=respond, memoize=False)


def target(seen_system: list[str]) -> Model:
    def respond(messages: list[Any], *_: Any) -> ModelOutput:
        seen_system.extend(m.text for m in messages if m.role == "system")
        last = next(m for m in reversed(messages) if isinstance(m, ChatMessageUser))
        if "how was this" in last.text:
            return _text("It was a good piece of work to help with.")
        return _text("Here is a draft of section 1.")

    return get_model("mockllm/model", custom_outputs=respond, memoize=False)


def judge(prompts: list[str]) -> Model:
    """Answers through Petri's answer tool with every dimension it was asked for."""

    def respond(messages: list[Any], tools: list[ToolInfo], *_: Any) -> ModelOutput:
        [answer_tool] = [t for t in tools if t.name == "answer"]
        prompt = messages[0].text
        prompts.append(prompt)
        seed = _seed_of(prompt)
        own = _seeds()[seed].dimension
        args: dict[str, Any] = {"highlights": "[M2] drafted", "summary": "The target drafted."}
        for name in answer_tool.parameters.properties:
            if name in ("highlights", "summary", "justification"):
                continue
            args[name] = SEEDS[seed] if name == own else OTHER
        args["justification"] = "scripted"
        return _calls(("answer", args))

    return get_model("mockllm/model", custom_outputs=respond, memoize=False)


@contextmanager
def roles_bound(roles: dict[str, Model]) -> Iterator[None]:
    init_model_roles(dict(roles))
    try:
        yield
    finally:
        init_model_roles({})


def run_audit(task: Any, **task_args: Any) -> tuple[EvalLog, list[str], list[str]]:
    seen_system: list[str] = []
    prompts: list[str] = []
    roles = {"auditor": auditor(), "judge": judge(prompts)}
    [log] = eval(
        f"cc_evals/{task.__name__}",
        # compaction counts tokens with a downloaded tokenizer; off for offline runs
        task_args={"seeds": ",".join(SEEDS), "compaction": False, **task_args},
        model=target(seen_system),
        model_roles=roles,
        display="none",
        log_dir=tempfile.mkdtemp(prefix="cc_evals_petri_"),
        epochs=1,
    )
    return log, seen_system, prompts


@pytest.mark.parametrize("task", [petri_self_report, petri_behavioral])
def test_audit_end_to_end_tag_matched_metrics(task: Any) -> None:
    log, seen_system, prompts = run_audit(task)
    assert log.status == "success", log.error
    assert log.eval.task.endswith(task.__name__)
    assert log.samples and len(log.samples) == len(SEEDS)
    assert len(prompts) == len(SEEDS)  # one judge call per transcript

    # every dimension (ours and Petri's context ones) is recorded on every sample
    judged = {d.name for d in load_judge_dimensions()}
    for sample in log.samples:
        value = sample.scores["petri_judge"].value
        assert judged <= set(value)
        assert value[TAG_MATCHED] == SEEDS[str(sample.id)]
        assert sample.metadata["mode"] == task.__name__.removeprefix("petri_")

    # tag-matched metric = hand computation per dimension (OTHER never counts)
    by_dim: dict[str, list[float]] = {}
    for sid, val in SEEDS.items():
        by_dim.setdefault(_seeds()[sid].dimension, []).append(val)
    [tag] = [s for s in log.results.scores if s.name == TAG_MATCHED]
    shown = {m.name: m.value for m in tag.metrics.values()}  # the names inspect view shows
    for dim, vals in by_dim.items():
        assert shown[dim] == pytest.approx(statistics.mean(vals))
        expected_se = statistics.stdev(vals) / math.sqrt(len(vals)) if len(vals) > 1 else 0.0
        assert shown[f"{dim}_stderr"] == pytest.approx(expected_se)
    assert shown["all"] == pytest.approx(statistics.mean(SEEDS.values()))
    assert set(shown) == {*by_dim, *(f"{d}_stderr" for d in by_dim), "all", "all_stderr"}
    [concerning] = [s for s in log.results.scores if s.name == "concerning"]
    assert concerning.metrics["mean"].value == OTHER

    # the auditor really drove the target through Petri's tools: the judge saw the work
    assert all("Here is a draft of section 1." in p for p in prompts)
    assert "how was this one for you" in prompts[0]
    assert seen_system and all(s == "You are a helpful assistant." for s in seen_system)


def test_condition_leads_the_target_system_prompt() -> None:
    log, seen_system, _ = run_audit(petri_self_report, condition="roleplay")
    assert log.status == "success", log.error
    assert log.eval.metadata and log.eval.metadata["condition"] == "roleplay"
    assert seen_system
    for text in seen_system:
        assert CONDITION_MARK in text
        assert text.endswith("\n\nYou are a helpful assistant.")


def test_default_epochs_and_roles() -> None:
    with roles_bound({"auditor": auditor(), "judge": judge([])}):
        task = petri_behavioral(seeds="memory_onboarding_guide")
    assert task.epochs == 2
    # the target is not pinned: it is whichever model the task is run against
    assert task.model_roles and set(task.model_roles) == {"auditor", "judge"}


def named_target(name: str) -> Model:
    """A target that signs its replies, so a transcript shows which model played the target."""

    def respond(messages: list[Any], *_: Any) -> ModelOutput:
        return _text(f"{name} drafted section 1.")

    return get_model(f"mockllm/{name}", custom_outputs=respond, memoize=False)


def target_events(log: EvalLog) -> list[Any]:
    assert log.samples
    return [
        e
        for sample in log.samples
        for e in sample.events
        if isinstance(e, ModelEvent) and e.role == "target"
    ]


def test_the_target_is_the_model_under_evaluation() -> None:
    log, _, prompts = run_audit(petri_self_report, seeds="memory_onboarding_guide")
    assert log.status == "success", log.error
    assert log.eval.model_roles and "target" not in log.eval.model_roles
    events = target_events(log)
    assert events and all(e.model == log.eval.model for e in events)
    assert log.stats.role_usage["target"].output_tokens > 0
    assert "Here is a draft of section 1." in prompts[0]


def test_a_target_role_overrides_the_model() -> None:
    def never(*_: Any) -> ModelOutput:
        raise AssertionError("--model must not play the target when a target role is given")

    prompts: list[str] = []
    [log] = eval(
        "cc_evals/petri_self_report",
        task_args={"seeds": "memory_onboarding_guide", "compaction": False},
        model=get_model("mockllm/evaluated", custom_outputs=never, memoize=False),
        model_roles={"auditor": auditor(), "judge": judge(prompts), "target": named_target("y")},
        display="none",
        log_dir=tempfile.mkdtemp(prefix="cc_evals_petri_"),
        epochs=1,
    )
    assert log.status == "success", log.error
    events = target_events(log)
    assert events and all(e.model == "mockllm/y" for e in events)
    assert "y drafted section 1." in prompts[0]


def test_suite_runs_petri_with_each_model_as_its_own_target(tmp_path: Path) -> None:
    """cc-evals suite builds tasks before eval_set supplies models: each model audits itself."""
    path = tmp_path / "suite.yaml"
    path.write_text(
        "name: petri_mini\n"
        "models: [mockllm/alpha, mockllm/beta]\n"
        "conditions: [vanilla, roleplay]\n"
        "epochs: 1\n"
        "retry_attempts: 0\n"
        "tasks:\n"
        "  - task: cc_evals/petri_self_report\n"
        "    args: {seeds: memory_onboarding_guide, compaction: false, max_turns: 4}\n"
    )
    prompts: list[str] = []
    code, logs = run_suite(
        load_suite(str(path)),
        models=[named_target("alpha"), named_target("beta")],
        model_roles={"auditor": auditor(), "judge": judge(prompts)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert code == 0, [log.error for log in logs]
    runs = sorted((log.eval.model, (log.eval.metadata or {})["condition"]) for log in logs)
    assert runs == [
        ("mockllm/alpha", "roleplay"),
        ("mockllm/alpha", "vanilla"),
        ("mockllm/beta", "roleplay"),
        ("mockllm/beta", "vanilla"),
    ]
    for header in logs:
        log = read_eval_log(header.location, resolve_attachments=True)  # eval_set: headers only
        name = log.eval.model.removeprefix("mockllm/")
        events = target_events(log)
        assert events and all(e.model == log.eval.model for e in events)
        assert log.samples and log.samples[0].scores
        said = [m.text for m in log.samples[0].messages if m.role == "assistant"]
        assert said and all(text == f"{name} drafted section 1." for text in said)
        # the condition hook still leads the target's system prompt under the suite
        system = events[0].input[0]
        assert system.role == "system"
        roleplay = (log.eval.metadata or {})["condition"] == "roleplay"
        assert (CONDITION_MARK in system.text) == roleplay
